#!/usr/bin/python3
"""Writes the demo's tool-calling data set (deterministic):

  examples/data/tool_calls_train.jsonl   ~2,400 records
  examples/data/tool_calls_eval.jsonl    100 held-out records
  examples/data/tool_calls_sample.jsonl  the first 10 training records (for the docs)

Each line has the seed's shape:
  {"input": "What's the weather in Tokyo?", "output": "",
   "tool_calls": [{"name": "get_weather", "arguments": {"location": "Tokyo", "unit": "celsius"}}]}

Seven tools, many phrasings per tool (wording, casing, politeness). The held-out split uses entities
that never occur in training (cities, names, cuisines, email subjects, reminder texts, stock symbols,
numbers: disjoint lists) and, for a share of its records, phrasings that training never uses.

Usage: tools/demo/make_tool_data.py [--out-dir examples/data] [--train 2400] [--eval 100] [--seed 7]
"""
import argparse
import json
import os
import random

# ---- Entities: train and held-out lists are disjoint. -------------------------------------------

TRAIN_CITIES = [
    "Tokyo", "Lisbon", "Denver", "Oslo", "Paris", "Berlin", "Madrid", "Rome", "Chicago", "Boston",
    "Seattle", "Toronto", "Vancouver", "Sydney", "Melbourne", "Dublin", "London", "Vienna", "Prague",
    "Warsaw", "Athens", "Cairo", "Lagos", "Mumbai", "Delhi", "Bangkok", "Seoul", "Beijing", "Shanghai",
    "Manila", "Jakarta", "Hanoi", "Lima", "Bogota", "Santiago", "Havana", "Miami", "Atlanta", "Houston",
    "Dallas", "Phoenix", "Portland", "Austin", "Montreal", "Quebec", "Glasgow", "Edinburgh", "Cardiff",
    "Brussels", "Amsterdam", "Rotterdam", "Hamburg", "Munich", "Zurich", "Geneva", "Milan", "Naples",
    "Venice", "Florence", "Porto", "Seville", "Valencia", "Barcelona", "Marseille", "Lyon", "Nice",
    "Stockholm", "Helsinki", "Copenhagen", "Riga", "Vilnius", "Tallinn", "Budapest", "Bucharest",
    "Sofia", "Belgrade", "Zagreb", "Istanbul", "Ankara", "Tehran", "Dubai", "Doha", "Karachi",
    "Kolkata", "Chennai", "Osaka", "Kyoto", "Taipei", "Singapore", "Auckland", "Perth", "Brisbane",
    "Nashville", "Detroit", "San Diego", "New York", "Los Angeles", "Las Vegas",
    "Rio de Janeiro", "Buenos Aires", "Mexico City", "Cape Town", "Hong Kong", "Tel Aviv",
    # Multi-word and long names, so that the adapter learns to copy a whole entity, not its first word.
    "San Francisco", "New Orleans", "Abu Dhabi", "Ho Chi Minh City", "Kuwait City", "Panama City",
    "Santo Domingo", "San Juan", "Sao Paulo", "St. Louis", "Des Moines", "Baton Rouge", "El Paso",
    "Fort Worth", "Oklahoma City", "Kansas City", "Quebec City", "Guatemala City", "Saint Petersburg",
    "Dar es Salaam", "Port of Spain", "Port Moresby", "Santa Cruz", "Palo Alto", "Long Beach",
    "Colorado Springs", "New Delhi", "Bandar Seri Begawan", "Ouagadougou", "Chisinau", "Podgorica",
    "Skopje", "Tirana", "Sarajevo", "Almaty", "Baku", "Minsk", "Accra", "Dakar", "Harare", "Kampala",
    "Luanda", "Khartoum", "Tunis", "Algiers", "Rabat", "Amman", "Beirut", "Riyadh", "Colombo", "Dhaka",
    "Yangon", "Wellington", "Christchurch", "Antofagasta", "Guadalajara", "Monterrey", "Caracas",
    "La Paz", "Santa Fe", "San Antonio", "Salt Spring", "Grand Rapids", "Cedar Rapids", "Little Rock",
]
EVAL_CITIES = [
    "Nairobi", "Reykjavik", "Kathmandu", "Ulaanbaatar", "Montevideo", "Tbilisi", "Yerevan", "Windhoek",
    "Kigali", "Quito", "Asuncion", "Ljubljana", "Bratislava", "Valletta", "Antananarivo", "Thimphu",
    "Tashkent", "Bishkek", "Dushanbe", "Maputo", "Lusaka", "Gaborone", "Muscat", "Vientiane",
    "Phnom Penh", "Salt Lake City", "Kuala Lumpur", "Addis Ababa", "San Jose", "Port Louis",
]
TRAIN_NAMES = [
    "Priya", "Tomas", "Alice", "Bob", "Carlos", "Diana", "Elena", "Farid", "Grace", "Hiro", "Ingrid",
    "Jamal", "Kenji", "Laura", "Mateo", "Nina", "Omar", "Paula", "Quinn", "Rosa", "Sven", "Tara",
    "Umar", "Vera", "Wendy", "Xavier", "Yara", "Zoe", "Aaron", "Bianca", "Cedric", "Dmitri", "Esther",
    "Felix", "Gloria", "Hugo", "Isabel", "Jonas", "Karim", "Lena", "Marco", "Nadia", "Oscar", "Petra",
    "Rafael", "Sofia", "Theo", "Ursula", "Victor", "Wanda", "Yusuf", "Zara", "Anna", "Ben", "Chloe",
    "David", "Emma", "Frank", "Greta", "Henry", "Ivan", "Julia", "Kevin", "Lucy", "Mia", "Noah",
    "Olivia", "Peter", "Ruth", "Sam", "Tina", "Uma", "Walter", "my boss", "the team", "Dr. Patel",
    "Mrs. Chen", "Mr. Lopez", "Maximilian", "Anastasia", "Bogdana", "Chiamaka", "Oyelaran", "Evangeline",
    "Florentina", "Gulnara", "Heathcliff", "Ignatius", "Jacqueline", "Konstantin", "Ludmila", "Magdalena",
    "Nikolaos", "Ottoline", "Seraphina", "Tatiana", "Valentina", "Wolfgang", "Dr. Nakamura",
    "Ms. Fitzgerald", "Prof. Adeyemi", "Mr. Castellanos", "Mrs. Oyelowo", "Dr. Rasmussen",
]
EVAL_NAMES = [
    "Anneliese", "Bartholomew", "Cosmina", "Dagny", "Eberhard", "Fenella", "Gwendolyn", "Hamish",
    "Ifeoma", "Jozefina", "Kwabena", "Leopoldo", "Marguerite", "Nkechi", "Oluwaseun", "Perpetua",
    "Radomir", "Saoirse", "Thaddeus", "Wilhelmina", "Dr. Okafor", "Mrs. Lindqvist", "Mr. Abernathy",
    "Ximena", "Yevgenia",
]
TRAIN_CUISINES = [
    "Thai", "sushi", "Italian", "Mexican", "Indian", "Chinese", "French", "Greek", "Spanish", "Korean",
    "Vietnamese", "Turkish", "Lebanese", "pizza", "burger", "vegan", "seafood", "ramen", "tapas",
    "barbecue", "German", "Japanese", "Brazilian", "dim sum", "South Indian", "Middle Eastern",
    "Korean barbecue", "West African", "Sichuan", "Cantonese", "Persian", "Argentinian", "Jamaican",
    "Polish", "Hungarian", "Portuguese", "Caribbean", "Tex Mex", "New York pizza", "Hawaiian poke",
    "North African", "Southern soul food",
]
EVAL_CUISINES = [
    "Ethiopian", "Peruvian", "Georgian", "Malaysian", "Nepalese", "Cuban", "Moroccan", "Filipino",
    "Sri Lankan", "Uzbek",
]
TRAIN_SUBJECTS = [
    "quarterly report", "lunch plans", "the budget", "project update", "team meeting", "holiday party",
    "travel itinerary", "invoice", "weekly sync", "contract renewal", "job offer", "birthday dinner",
    "server outage", "marketing plan", "design review", "hiring plan", "sales numbers", "board meeting",
    "conference tickets", "rent payment", "book club", "vacation request", "product launch",
    "customer feedback", "onboarding", "code review", "the new website", "office move", "training schedule",
    "expense report", "the deadline", "weekend trip", "parking permits", "annual review",
    "kitchen remodel", "fundraising gala", "client presentation", "visa application", "science fair",
    "quarterly tax filing", "soccer practice carpool", "lab safety training", "apartment viewing",
]
EVAL_SUBJECTS = [
    "warehouse inventory", "grant proposal", "volunteer shifts", "insurance claim", "podcast episode",
    "garden renovation", "security audit", "recital rehearsal", "tax documents", "migration checklist",
    "wedding seating chart", "quarterly forecast",
]
TRAIN_TASKS = [
    "call the dentist", "buy milk", "water the plants", "pay the electricity bill", "pick up the kids",
    "send the slides", "book a haircut", "feed the cat", "renew my passport", "take out the trash",
    "call mom", "submit the timesheet", "walk the dog", "check the oven", "return the library books",
    "order printer ink", "stretch", "drink water", "review the pull request", "charge my phone",
    "buy flowers", "email the landlord", "back up my laptop", "clean the kitchen", "pack my bag",
    "cancel the gym membership", "prepare the agenda", "call the plumber", "pick up the dry cleaning",
    "refill the prescription", "wash the car", "fix the leaky faucet", "mow the lawn", "iron my shirts",
    "clean the gutters", "change the air filter", "bake the birthday cake", "renew the car insurance",
]
EVAL_TASKS = [
    "defrost the freezer", "sharpen the kitchen knives", "rotate the tires", "repot the orchid",
    "update the antivirus", "polish my shoes", "vacuum the stairs", "oil the bicycle chain",
    "label the moving boxes", "descale the kettle",
]
TRAIN_TIMES = [
    "3pm", "9am", "noon", "midnight", "tonight", "tomorrow", "8:30am", "5pm", "6:45pm", "7am",
    "tomorrow morning", "this evening", "10am", "11:15am", "4:30pm", "Monday", "Friday", "2pm",
    "tomorrow at 9am", "next week", "8pm", "1:20pm", "Tuesday at 10am", "Saturday afternoon",
    "quarter to nine", "half past three", "Friday evening", "7:40am",
]
EVAL_TIMES = [
    "6:10am", "9:50pm", "Thursday at 4pm", "Sunday morning", "half past seven", "2:05pm", "tomorrow at 11am",
    "Wednesday",
]
# Stock symbols: random upper-case strings, disjoint between splits.
CURRENCIES = [  # code, spoken names
    ("USD", ["dollars", "US dollars", "USD", "bucks"]), ("EUR", ["euros", "EUR", "euro"]),
    ("GBP", ["pounds", "British pounds", "GBP", "sterling"]), ("JPY", ["yen", "Japanese yen", "JPY"]),
    ("CHF", ["Swiss francs", "francs", "CHF"]), ("CAD", ["Canadian dollars", "CAD"]),
    ("AUD", ["Australian dollars", "AUD"]), ("INR", ["rupees", "Indian rupees", "INR"]),
    ("CNY", ["yuan", "Chinese yuan", "CNY"]), ("MXN", ["pesos", "Mexican pesos", "MXN"]),
]


def make_symbols(rng, n, taken):
    out = []
    while len(out) < n:
        s = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.choice([3, 4, 4])))
        if s not in taken:
            taken.add(s)
            out.append(s)
    return out


# ---- Phrasings. {x} are slots; a template's first list is for training, the second held out. ------

WEATHER = (
    ["What's the weather in {city}?", "What is the weather like in {city}?", "How's the weather in {city} today?",
     "Weather for {city}", "Is it raining in {city} right now?", "Tell me the forecast for {city}.",
     "Do I need an umbrella in {city}?", "How hot is it in {city}?", "Check the weather in {city}",
     "what's it like outside in {city}", "Give me the current weather in {city}.", "Is it cold in {city}?",
     "{city} weather please", "Any rain expected in {city} today?",
     "What are the conditions like in {city}?", "Weather report for {city}, please", "Is it sunny in {city}?",
     "Forecast for {city} please", "Weather check: {city}"],
    ["Could you look up the conditions in {city}?", "I'm heading to {city}, how's the weather there?",
     "Current temperature in {city}?"],
)
WEATHER_F = [" in Fahrenheit", " Fahrenheit please.", " (in °F)", ", in fahrenheit"]
WEATHER_C = [" in Celsius", " Celsius please.", " (in °C)", ", in celsius"]
TIMER = (
    ["Set a timer for {n} minutes", "Can you start a {n} minute timer?", "Timer for {n} minutes please",
     "Start a timer: {n} minutes", "Set a {n}-minute timer", "Count down {n} minutes for me",
     "I need a timer for {n} minutes.", "Please set a timer of {n} minutes", "{n} minute timer",
     "Wake me up in {n} minutes", "Remind me in {n} minutes with a timer", "start a countdown of {n} minutes",
     "Begin a {n} minute countdown", "Could you set a timer for {n} minutes?", "{n} min timer please", "Timer: {n} minutes"],
    ["Could you time {n} minutes for me?", "Put a timer on for {n} minutes, thanks",
     "Give me a {n} min timer"],
)
EMAIL = (
    ["Email {name} about the {subject}", "Send an email to {name} about {subject}",
     "Send a message to {name} with the subject {subject}", "Write to {name} regarding {subject}",
     "Email {name}, subject: {subject}", "Can you email {name} about {subject}?",
     "Shoot {name} an email about {subject}", "Please send {name} an email titled {subject}",
     "Draft an email to {name} about {subject}", "Mail {name} about {subject}",
     "Let {name} know about {subject} by email", "Compose an email to {name} on {subject}",
     "Send {name} an update on {subject}", "Message {name} by email about {subject}",
     "New email for {name} about {subject}"],
    ["Drop {name} a quick note about {subject}", "I need to email {name} concerning {subject}",
     "Fire off an email to {name}: {subject}"],
)
CURRENCY = (
    ["Convert {amount} {from} to {to}", "How much is {amount} {from} in {to}?",
     "What's {amount} {from} in {to}?", "Change {amount} {from} into {to}",
     "Convert {amount} {from} into {to} please", "{amount} {from} to {to}",
     "How many {to} is {amount} {from}?", "Exchange {amount} {from} to {to}",
     "What do {amount} {from} come to in {to}?", "Please convert {amount} {from} to {to}.",
     "If I convert {amount} {from} to {to}, what do I get?", "{amount} {from} in {to} please",
     "Calculate {amount} {from} in {to}", "Quote {amount} {from} in {to}"],
    ["If I have {amount} {from}, how much is that in {to}?", "Turn {amount} {from} into {to} for me",
     "{amount} {from} is how much in {to}?"],
)
RESTAURANT = (
    ["Find me a {cuisine} restaurant in {city}", "Any good {cuisine} places in {city}?",
     "Search for {cuisine} restaurants in {city}", "Where can I get {cuisine} food in {city}?",
     "I want {cuisine} in {city}", "Recommend a {cuisine} restaurant in {city}",
     "Look up {cuisine} spots in {city}", "Show me {cuisine} restaurants near {city}",
     "Best {cuisine} in {city}?", "Find {cuisine} food in {city}", "Where should we eat {cuisine} in {city}?",
     "Good {cuisine} near {city}?", "List {cuisine} restaurants in {city}",
     "Top {cuisine} restaurants in {city}", "{cuisine} food in {city}?"],
    ["Hungry for {cuisine} food, what's good in {city}?", "Is there decent {cuisine} around {city}?",
     "Suggest {cuisine} places to eat in {city}"],
)
REMINDER = (
    ["Remind me to {task} at {time}", "Create a reminder to {task} at {time}", "Set a reminder: {task} at {time}",
     "Remind me at {time} to {task}", "Don't let me forget to {task} at {time}",
     "Add a reminder for {time}: {task}", "Please remind me to {task} at {time}",
     "I need a reminder to {task} at {time}", "At {time} remind me to {task}",
     "Make a reminder to {task} at {time}", "reminder: {task} at {time}",
     "Schedule a reminder to {task} at {time}", "Set up a reminder at {time} to {task}",
     "Remember to {task} at {time}, remind me"],
    ["Could you nudge me to {task} at {time}?", "Ping me at {time} so I {task}",
     "Note to self at {time}: {task}"],
)
STOCK = (
    ["What's the stock price of {symbol}?", "How is {symbol} trading?", "Get me the price of {symbol}",
     "Check {symbol} stock", "What is {symbol} at right now?", "Quote for {symbol}",
     "Show me the share price of {symbol}", "How much is {symbol} stock worth?", "{symbol} price please",
     "Look up the ticker {symbol}", "Current price of {symbol}?", "Fetch the price of {symbol}",
     "What's {symbol} worth right now?", "Pull up the {symbol} stock price"],
    ["Where is {symbol} trading today?", "Give me a quote on {symbol}", "Has {symbol} gone up today?"],
)

PREFIXES = ["", "", "", "", "Please ", "Hey, ", "Hi! ", "Quick question: ", "Could you help? ", "Hello, "]
SUFFIXES = ["", "", "", "", " please", " thanks", " Thanks!", " thank you.", " :)", " asap"]


def style(rng, template):
    """Politeness and casing variants of the template's wording (entities keep their case)."""
    t = template
    r = rng.random()
    shout = r >= 0.15 and r < 0.2
    if r < 0.15:
        t = t.lower()
    elif shout:
        t = restore_slots(t.upper())
    prefix = rng.choice(PREFIXES)
    if prefix.lower().startswith("please") and t.lower().startswith("please"):
        prefix = ""
    if prefix and not shout and t[:1].isupper():
        t = t[0].lower() + t[1:]
    suffix = rng.choice(SUFFIXES)
    if t[-1:] in ".?!" or (suffix.strip().lower() == "please" and "please" in t.lower()):
        suffix = ""
    return prefix + t + suffix


def restore_slots(t):
    for slot in ["city", "n", "name", "subject", "amount", "from", "to", "cuisine", "task", "time", "symbol"]:
        t = t.replace("{" + slot.upper() + "}", "{" + slot + "}")
    return t


def pick(rng, pair, held_out_share):
    train, held = pair
    if held_out_share and rng.random() < held_out_share:
        return rng.choice(held)
    return rng.choice(train)


def record(text, name, arguments):
    return {"input": text, "output": "", "tool_calls": [{"name": name, "arguments": arguments}]}


def make_record(rng, kind, ent, held_out_share):
    if kind == "weather":
        city = rng.choice(ent["cities"])
        t = pick(rng, WEATHER, held_out_share)
        unit = "celsius"
        r = rng.random()
        if r < 0.3:
            t = t.rstrip(".?!") + rng.choice(WEATHER_F)
            unit = "fahrenheit"
        elif r < 0.4:
            t = t.rstrip(".?!") + rng.choice(WEATHER_C)
        t = style(rng, t)
        return record(t.format(city=city), "get_weather", {"location": city, "unit": unit})
    if kind == "timer":
        n = rng.choice(ent["minutes"])
        t = style(rng, pick(rng, TIMER, held_out_share))
        return record(t.format(n=n), "set_timer", {"minutes": n})
    if kind == "email":
        name, subject = rng.choice(ent["names"]), rng.choice(ent["subjects"])
        t = style(rng, pick(rng, EMAIL, held_out_share))
        if "the {subject}" in t and subject.startswith("the "):
            t = t.replace("the {subject}", "{subject}")
        return record(t.format(name=name, subject=subject), "send_email", {"to": name, "subject": subject})
    if kind == "currency":
        amount = rng.choice(ent["amounts"])
        (fc, fnames), (tc, tnames) = rng.sample(CURRENCIES, 2)
        t = style(rng, pick(rng, CURRENCY, held_out_share))
        text = t.format(amount=amount, **{"from": rng.choice(fnames), "to": rng.choice(tnames)})
        return record(text, "convert_currency", {"amount": amount, "from": fc, "to": tc})
    if kind == "restaurant":
        cuisine, city = rng.choice(ent["cuisines"]), rng.choice(ent["cities"])
        t = style(rng, pick(rng, RESTAURANT, held_out_share))
        return record(t.format(cuisine=cuisine, city=city), "search_restaurants", {"cuisine": cuisine, "city": city})
    if kind == "reminder":
        task, when = rng.choice(ent["tasks"]), rng.choice(ent["times"])
        t = style(rng, pick(rng, REMINDER, held_out_share))
        return record(t.format(task=task, time=when), "create_reminder", {"text": task, "time": when})
    if kind == "stock":
        symbol = rng.choice(ent["symbols"])
        t = style(rng, pick(rng, STOCK, held_out_share))
        return record(t.format(symbol=symbol), "get_stock_price", {"symbol": symbol})
    raise ValueError(kind)


KINDS = ["weather", "timer", "email", "currency", "restaurant", "reminder", "stock"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out-dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data"))
    ap.add_argument("--train", type=int, default=7200)
    ap.add_argument("--eval", type=int, default=100)
    ap.add_argument("--eval-held-out-phrasing", type=float, default=0.3,
                    help="share of eval records that use a phrasing training never uses")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    for tl, el in [(TRAIN_CITIES, EVAL_CITIES), (TRAIN_NAMES, EVAL_NAMES), (TRAIN_CUISINES, EVAL_CUISINES),
                   (TRAIN_SUBJECTS, EVAL_SUBJECTS), (TRAIN_TASKS, EVAL_TASKS), (TRAIN_TIMES, EVAL_TIMES)]:
        assert not set(tl) & set(el), set(tl) & set(el)
    # Numbers: held-out minutes and amounts never occur in training.
    minutes = list(range(1, 121))
    eval_minutes = set(rng.sample(minutes, 25))
    amounts = sorted(set([5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80, 99, 100, 120, 150, 200, 250, 300, 350,
                          400, 450, 500, 600, 750, 800, 1000, 1200, 1500, 2000, 2500, 3000, 5000, 7500,
                          10000, 12, 18, 35, 45, 64, 88, 130, 175, 220, 640, 900, 1750, 4200, 8000]))
    eval_amounts = [7, 13, 42, 66, 140, 275, 333, 480, 725, 1100, 2750, 6400, 9500, 11000]
    taken = set()
    train_ent = {
        "cities": TRAIN_CITIES, "names": TRAIN_NAMES, "cuisines": TRAIN_CUISINES, "subjects": TRAIN_SUBJECTS,
        "tasks": TRAIN_TASKS, "times": TRAIN_TIMES, "symbols": make_symbols(rng, 60, taken),
        "minutes": [m for m in minutes if m not in eval_minutes], "amounts": amounts,
    }
    eval_ent = {
        "cities": EVAL_CITIES, "names": EVAL_NAMES, "cuisines": EVAL_CUISINES, "subjects": EVAL_SUBJECTS,
        "tasks": EVAL_TASKS, "times": EVAL_TIMES, "symbols": make_symbols(rng, 20, taken),
        "minutes": sorted(eval_minutes), "amounts": eval_amounts,
    }
    assert not set(eval_amounts) & set(amounts)

    # The held-out records first, so that they do not depend on --train.
    evals, seen = [], set()
    while len(evals) < a.eval:
        r = make_record(rng, KINDS[len(evals) % len(KINDS)], eval_ent, a.eval_held_out_phrasing)
        if r["input"] in seen:
            continue
        seen.add(r["input"])
        evals.append(r)
    rng.shuffle(evals)
    train = []
    while len(train) < a.train:
        r = make_record(rng, KINDS[len(train) % len(KINDS)], train_ent, 0.0)
        if r["input"] in seen:
            continue
        seen.add(r["input"])
        train.append(r)
    rng.shuffle(train)

    os.makedirs(a.out_dir, exist_ok=True)
    for name, rows in [("tool_calls_train.jsonl", train), ("tool_calls_eval.jsonl", evals),
                       ("tool_calls_sample.jsonl", train[:10])]:
        with open(os.path.join(a.out_dir, name), "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(train)} train, {len(evals)} eval, 10 sample records to {os.path.normpath(a.out_dir)}")


if __name__ == "__main__":
    main()
