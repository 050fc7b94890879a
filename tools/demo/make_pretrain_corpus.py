#!/usr/bin/python3
"""Generates the pre-training corpus of the demo's base model: short documents rich in copying.

Every entity is made up on the spot (random syllable names and places, random numbers, codes,
times, phrases of common words), so the model learns to copy in general instead of memorising
strings. Document kinds:
  * stories whose names, places and numbers come back later in the text;
  * key=value records and JSON objects whose values copy the entities of a preceding sentence;
  * ChatML dialogues in which the assistant repeats, extracts or reformats what the user wrote,
    answers with a JSON object, or emits a Hermes-style <tool_call> whose tool name, argument keys
    and values all come from the user turn (made-up tool names, never the demo's).
The demo's tool names and request phrasings never occur (the test in main() checks the names).

Output: one document after another, each followed by a line holding only DOC_END (the lines are
tokenized one by one and joined with "\\n"; see pretrain_base.py). --tokenizer-sample writes the
first documents again without the markers, as the text the tokenizer is trained on.

Usage: make_pretrain_corpus.py --out corpus.txt --docs 200000 [--tokenizer-sample tok.txt] [--seed 1]
"""
import argparse
import json
import random

DOC_END = "@@DOC_END@@"

ONSETS = ["b", "br", "c", "ch", "d", "dr", "f", "g", "gr", "h", "j", "k", "kr", "l", "m", "n", "p", "pl", "qu",
          "r", "s", "sh", "st", "t", "th", "tr", "v", "w", "y", "z", "zh", "", "", "bl", "sk", "sv", "ts", "x"]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ei", "ou", "ia", "y", "ee", "oo", "ua", "ie"]
CODAS = ["", "", "", "n", "r", "l", "s", "m", "k", "t", "nd", "rn", "sk", "x", "ng", "th", "z", "v"]

NOUNS = """apple river garden window letter ticket bridge market engine pocket castle candle mirror ladder
wallet jacket basket forest island valley harbor planet rocket camera guitar piano violin blanket pillow
carpet kettle bottle bucket hammer needle pencil folder binder printer laptop monitor keyboard cable
battery charger bicycle scooter tractor wagon trailer canoe sailboat anchor compass lantern helmet
glove boot scarf ribbon button zipper bracelet necklace diamond marble granite copper silver bronze
timber cotton velvet leather paper cardboard plastic canvas ceramic crystal sketch poem novel chapter
story legend recipe menu invoice receipt contract permit license passport visa diploma badge medal trophy
puzzle riddle lesson course seminar workshop lecture exam quiz thesis article journal diary calendar
schedule agenda budget report summary proposal draft memo notice poster banner brochure catalog
manual guide atlas map chart graph table list index archive library museum gallery studio theater
stadium arena station airport harbor depot warehouse factory office clinic pharmacy bakery butcher
grocery cinema hotel hostel cabin cottage villa tower temple chapel school college campus village
meadow canyon desert glacier volcano lagoon orchard vineyard farm barn stable kennel aquarium zoo
tiger falcon dolphin rabbit turtle sparrow beetle spider lizard badger otter walrus pelican parrot
melon lemon cherry peach carrot potato onion garlic pepper tomato bean lentil noodle biscuit muffin
pancake sandwich omelette yogurt cheese butter honey cocoa coffee tea juice soup salad""".split()
VERBS = """fix paint clean move carry build open close wash fold sort count check test print sign mail
pack unpack polish measure label bake boil slice mix plant trim sweep scrub repair install update
measure record film draw sketch write read review edit publish share store lock unlock charge collect
deliver return borrow lend rent sell buy order bring fetch visit call meet greet thank invite answer
ask teach learn practice study train guide follow lead join leave start stop finish prepare plan
organize arrange schedule cancel confirm approve reject renew replace refill restock inspect""".split()
ADJECTIVES = """red blue green yellow purple orange silver golden small large tiny huge quiet loud quick slow
bright dark warm cold fresh old new young ancient modern simple fancy plain heavy light soft hard
smooth rough clean dusty shiny rusty wooden metal paper glass wet dry sweet sour salty bitter
happy brave calm eager gentle proud clever busy lazy early late weekly monthly annual daily final
spare extra broken empty full open secret public private local remote northern southern eastern
western central upper lower inner outer main second third""".split()
KEYS = """name title label code id count total price size color shape owner author place town region
country street house room floor level item object target source destination origin date day week
year month hour note message content body query topic field category group team member person guest
host user account file path folder key value kind type mode status priority score rank grade
quantity number percent rate weight height width length distance speed duration start end limit
phone address zip tag flag option version model brand product order ticket seat gate platform
route""".split()
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TITLES = ["Dr.", "Mr.", "Mrs.", "Ms.", "Prof.", "Captain", "Aunt", "Uncle"]
ALL_WORDS = NOUNS + VERBS + ADJECTIVES
BLOCKED = ["shit", "fuck", "cunt", "dick", "cock", "piss", "slut", "whor", "nig", "fag", "rape", "kike", "tits"]
DEMO_WORDS = {"get_weather", "set_timer", "send_email", "convert_currency", "search_restaurants",
              "create_reminder", "get_stock_price"}


class Gen:
    def __init__(self, rng):
        self.r = rng

    def syl(self):
        r = self.r
        return r.choice(ONSETS) + r.choice(VOWELS) + r.choice(CODAS)

    def word(self, lo=1, hi=3):
        while True:
            w = "".join(self.syl() for _ in range(self.r.randint(lo, hi)))
            w = w if len(w) > 1 else w + self.r.choice(VOWELS)
            if not any(b in w for b in BLOCKED):
                return w

    def lword(self):
        """A lower-case word, real or made up."""
        r = self.r
        return r.choice(ALL_WORDS) if r.random() < 0.5 else self.word(1, 4)

    def cword(self):
        """A capitalised word, real or made up, of any length."""
        r = self.r
        x = r.random()
        if x < 0.2:
            return r.choice(ALL_WORDS).capitalize()
        return self.word(*r.choice([(1, 2), (1, 3), (2, 4), (3, 5)])).capitalize()

    def name(self):
        r = self.r
        x = r.random()
        if x < 0.4:
            return self.cword()
        if x < 0.75:
            return self.cword() + " " + self.cword()
        if x < 0.85:
            return r.choice(TITLES) + " " + self.cword()
        if x < 0.93:
            return self.cword() + " " + self.cword() + " " + self.cword()
        return self.word(1, 2).capitalize() + "-" + self.word(1, 2).capitalize()

    def place(self):
        r = self.r
        x = r.random()
        if x < 0.5:
            return self.cword()
        if x < 0.7:
            return self.cword() + " " + self.cword()
        if x < 0.8:
            return self.cword() + " " + self.cword() + " " + r.choice(["City", "Bay", "Hills", self.cword()])
        if x < 0.9:
            return r.choice(NOUNS).capitalize() + r.choice([" City", " Valley", " Bay", " Hills", " Falls"])
        return r.choice(["San", "Port", "New", "Lake", "Saint", "El", "Upper", "Fort", "Los"]) + " " + self.cword()

    def number(self):
        r = self.r
        x = r.random()
        if x < 0.35:
            return r.randint(1, 99)
        if x < 0.65:
            return r.randint(100, 999)
        if x < 0.9:
            return r.randint(1000, 99999)
        return round(r.uniform(0.1, 999), r.choice([1, 2]))

    def code(self):
        r = self.r
        n = r.randint(2, 5)
        s = "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))
        if r.random() < 0.25:
            s += "-" + str(r.randint(1, 999))
        return s

    def time(self):
        r = self.r
        x = r.random()
        h = r.randint(1, 12)
        if x < 0.4:
            return f"{h}{r.choice(['am', 'pm'])}"
        if x < 0.7:
            return f"{h}:{r.randint(0, 59):02d}{r.choice(['am', 'pm'])}"
        if x < 0.85:
            return r.choice(WEEKDAYS)
        return f"{r.choice(WEEKDAYS)} at {h}{r.choice(['am', 'pm'])}"

    def phrase(self):
        """A lower-case phrase of 1-4 real or made-up words ("the rusty lantern", "polish the vorbin")."""
        r = self.r
        x = r.random()
        if x < 0.25:
            return r.choice(ADJECTIVES) + " " + r.choice([r.choice(NOUNS), self.word(1, 3)])
        if x < 0.45:
            return r.choice(VERBS) + " " + r.choice(["the ", "my ", "a ", "", "the "]) + " ".join(
                self.lword() for _ in range(r.randint(1, 3)))
        if x < 0.75:
            return " ".join(self.lword() for _ in range(r.choice([1, 2, 2, 2, 3, 3, 4])))
        if x < 0.9:
            return r.choice(NOUNS) + " " + self.lword()
        return "the " + self.lword()

    def shout(self, v):
        """Now and then an entity is written in capitals."""
        return v.upper() if isinstance(v, str) and self.r.random() < 0.05 else v

    def value(self):
        """Any entity, tagged with its kind."""
        r = self.r
        kind = r.choice(["name", "place", "number", "code", "time", "phrase", "phrase", "word"])
        v = {"name": self.name, "place": self.place, "number": self.number, "code": self.code,
             "time": self.time, "phrase": self.phrase, "word": lambda: self.word(1, 3)}[kind]()
        return kind, v

    def key(self):
        r = self.r
        if r.random() < 0.75:
            return r.choice(KEYS)
        return self.word(1, 2)

    def tool_name(self):
        r = self.r
        parts = [r.choice([r.choice(VERBS), self.word(1, 2)]), r.choice([r.choice(NOUNS), self.word(1, 3)])]
        if r.random() < 0.3:
            parts.append(r.choice(NOUNS))
        return "_".join(parts)


def dumps(x):
    return json.dumps(x, ensure_ascii=False)


def chat(user, assistant, system=None):
    s = f"<|im_start|>system\n{system}<|im_end|>\n" if system else ""
    return s + f"<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n{assistant}<|im_end|>"


def tool_call(name, args):
    return "<tool_call>\n" + dumps({"name": name, "arguments": args}) + "\n</tool_call>"


def fmt(v):
    return str(v)


def politeness(r, text, lower_ok=True):
    p = r.choice(["", "", "", "Please ", "Hi! ", "Hello, ", "Quick one: ", "Hey, "])
    s = r.choice(["", "", "", " please", " thanks", " Thanks!", " thank you."])
    if p and lower_ok and text[:1].isupper() and r.random() < 0.7:
        text = text[0].lower() + text[1:]
    return p + text + s


# ---- Document kinds -----------------------------------------------------------------------------

def doc_story(g):
    r = g.r
    a, b, p, q, n = g.name(), g.name(), g.place(), g.place(), g.number()
    item = g.phrase()
    lines = [
        r.choice([f"{a} lives in {p} and works with {b}.", f"{a} moved from {q} to {p} last year.",
                  f"In {p}, {a} met {b} at the {r.choice(NOUNS)}.", f"{a} and {b} travelled to {p} with {n} bags."]),
        r.choice([f"Every {r.choice(WEEKDAYS)}, {a} writes about {item}.", f"{b} keeps {n} copies of {item}.",
                  f"The trip from {q} took {n} minutes.", f"{a} paid {n} coins for {item}."]),
        r.choice([f"Later, {a} returned to {p}.", f"So {b} went back to {q}, and {a} stayed in {p}.",
                  f"Everyone in {p} knows {a}.", f"Question: where does {a} live? Answer: {p}.",
                  f"Who did {a} meet? {b}.", f"How many? {n}. Where? {p}. Who? {a}."]),
    ]
    if r.random() < 0.5:
        lines.append(f"In short: {a}, {p}, {n}, {item}.")
    return "\n".join(lines)


def doc_record(g):
    r = g.r
    k = r.randint(2, 5)
    keys = r.sample(KEYS, k)
    vals = [g.value()[1] for _ in keys]
    kv = "; ".join(f"{key}={v}" for key, v in zip(keys, vals))
    out = [f"record: {kv}"]
    order = list(range(k))
    r.shuffle(order)
    x = r.random()
    if x < 0.4:
        out.append(dumps({keys[i]: vals[i] for i in order}))
    elif x < 0.7:
        i = order[0]
        out.append(f"The {keys[i]} is {vals[i]}.")
        out.append(dumps({keys[j]: vals[j] for j in range(k)}))
    else:
        out += [f"{keys[i]}: {vals[i]}" for i in order]
    return "\n".join(out)


def doc_sentence_to_json(g):
    r = g.r
    who, where, what, n, t = g.name(), g.place(), g.phrase(), g.number(), g.time()
    templates = [
        (f"{who} will {r.choice(VERBS)} {what} in {where} on {t}.", {"person": who, "city": where, "task": what, "when": t}),
        (f"Order {n} units of {what} for {who}.", {"quantity": n, "item": what, "customer": who}),
        (f"The package for {who} leaves {where} at {t}.", {"recipient": who, "origin": where, "departure": t}),
        (f"{who} scored {n} points in {where}.", {"player": who, "score": n, "venue": where}),
        (f"Ship {what} to {who} in {where}.", {"item": what, "to": who, "destination": where}),
        (f"Move the {what} meeting with {who} to {t}.", {"topic": what, "with": who, "new_time": t}),
        (f"{who} needs {n} tickets from {where} to {g.place()}.", None),
    ]
    text, obj = r.choice(templates)
    if obj is None:
        parts = text.split(" ")
        obj = {"name": who, "count": n, "from": where, "to": text.rsplit(" to ", 1)[1].rstrip(".")}
    keys = list(obj)
    if r.random() < 0.4:  # renamed keys, so the mapping is read from the text, not memorised
        keys = [g.key() if r.random() < 0.5 else key for key in keys]
        obj = dict(zip(keys, obj.values()))
    return r.choice(["Sentence: ", "Text: ", "", "Input: "]) + text + "\n" + r.choice(["JSON: ", "Parsed: ", "", "Data: "]) + dumps(obj)


def doc_chat_copy(g):
    r = g.r
    kind, v = g.value()
    v = str(v)
    x = r.random()
    if x < 0.2:
        return chat(politeness(r, f"Repeat after me: {v}"), v)
    if x < 0.35:
        return chat(politeness(r, f"Please write down this {kind}: {v}"), v)
    if x < 0.5:
        a, b = g.name(), g.place()
        return chat(politeness(r, f"{a} is travelling to {b}. Where is {a} going?", False), b)
    if x < 0.6:
        return chat(f"Say \"{v}\" twice.", f"{v} {v}")
    if x < 0.7:
        w = g.phrase()
        return chat(politeness(r, f"Make a title from: {w}"), w.title())
    if x < 0.8:
        items = [str(g.value()[1]) for _ in range(r.randint(2, 4))]
        return chat(politeness(r, "List these, one per line: " + ", ".join(items)), "\n".join(items))
    if x < 0.9:
        a = g.name()
        return chat(politeness(r, f"Who wrote the note? The note was written by {a}."), a)
    n = g.number()
    return chat(politeness(r, f"What number did I say? I said {n}."), str(n))


def doc_chat_json(g):
    r = g.r
    k = r.randint(1, 3)
    keys = r.sample(KEYS, k)
    vals = [g.value()[1] for _ in keys]
    x = r.random()
    if x < 0.5:
        desc = ", ".join(f"{key} {v}" for key, v in zip(keys, vals))
        user = r.choice([f"Make a JSON object with {desc}.", f"JSON for {desc}", f"Give me {desc} as JSON."])
    else:
        desc = " and ".join(f"the {key} is {v}" for key, v in zip(keys, vals))
        user = r.choice([f"Store this: {desc}.", f"Remember that {desc}.", f"Save a record where {desc}."])
    return chat(politeness(r, user), dumps(dict(zip(keys, vals))))


def doc_chat_tool(g, with_system=False):
    """A <tool_call> whose name, keys and values all come from the user turn."""
    r = g.r
    tool = g.tool_name()
    k = r.randint(1, 3)
    keys = r.sample(KEYS, k) if r.random() < 0.8 else [g.word(1, 2) for _ in range(k)]
    keys = list(dict.fromkeys(keys))
    vals = [g.value()[1] for _ in keys]
    args = dict(zip(keys, vals))
    x = r.random()
    if x < 0.3:
        desc = ", ".join(f"{key} {v}" for key, v in args.items())
        user = r.choice([f"Call {tool} with {desc}.", f"Use the {tool} tool: {desc}", f"Run {tool} ({desc})"])
    elif x < 0.6:
        desc = " and ".join(f"{key} set to {v}" for key, v in args.items())
        user = r.choice([f"Invoke {tool} with {desc}.", f"I need {tool}, {desc}."])
    elif x < 0.8:
        desc = ", ".join(f"{key}={dumps(v)}" for key, v in args.items())
        user = f"{tool}({desc})"
    else:
        desc = "; ".join(f"{key}: {v}" for key, v in args.items())
        user = r.choice([f"Tool {tool}. {desc}", f"Please {tool.replace('_', ' ')} -> {desc}"])
    system = None
    if with_system:
        names = [tool] + [g.tool_name() for _ in range(r.randint(0, 2))]
        r.shuffle(names)
        system = "Tools: " + ", ".join(names)
    calls = [tool_call(tool, args)]
    if r.random() < 0.1:
        tool2 = g.tool_name()
        k2, v2 = g.key(), g.value()[1]
        user += f" Then call {tool2} with {k2} {v2}."
        calls.append(tool_call(tool2, {k2: v2}))
    return chat(politeness(r, user), "\n".join(calls), system)


CUES = ["about", "regarding", "concerning", "for", "in", "near", "at", "to", "with", "titled", "called", "named",
        "on", "from", "into", "by", "around", "with the title", "with the subject", "saying", "-", ":"]
INTROS = ["With {tool}, {verb}", "Use {tool} to {verb}", "{tool}: {verb}", "Ask {tool} to {verb}",
          "Have {tool} {verb}", "Could {tool} {verb}", "Run {tool} and {verb}", "Please use {tool}; {verb}",
          "Using {tool}, {verb}", "{tool} please - {verb}"]
ENDINGS = ["", "", "", "", ".", "?", " please", " thanks", " Thanks!", " thank you.", " :)", " asap", " now",
           " for me", " today"]


def doc_chat_tool_natural(g):
    """A tool call read out of a request sentence: the user names the tool once; each argument is a
    span after a cue word ("about X", "in X", "at X"), and the call copies the spans exactly."""
    r = g.r
    tool = g.tool_name()
    n = r.randint(1, 3)
    keys = list(dict.fromkeys(g.key() for _ in range(n)))
    makers = [g.name, g.place, g.phrase, g.phrase, g.time, g.number, g.code, g.lword]
    vals = [g.shout(r.choice(makers)()) for _ in keys]
    cues = r.sample(CUES, len(keys))
    verb = r.choice(VERBS + [g.word(1, 2)]) + r.choice([" something", " it", "", " one", " this"])
    first = r.randint(0, len(keys) - 1)
    parts = []
    for i, (c, v) in enumerate(zip(cues, vals)):
        if i == first and r.random() < 0.4:
            parts.append(f"{v}")  # a bare object right after the verb ("book Xalo ...")
        else:
            parts.append(f"{c} {v}")
    text = r.choice(INTROS).format(tool=tool, verb=verb) + " " + " ".join(parts)
    x = r.random()
    if x < 0.12:
        text = text.lower()
        vals = [v.lower() if isinstance(v, str) else v for v in vals]
    elif x < 0.16:
        text = text.upper()
        vals = [v.upper() if isinstance(v, str) else v for v in vals]
    text = politeness(r, text + r.choice(ENDINGS), lower_ok=False)
    return chat(text, tool_call(tool, dict(zip(keys, vals))))


def doc_span_copy(g):
    """Plain text: a span between cue words, then the span alone."""
    r = g.r
    v = r.choice([g.name, g.place, g.phrase, g.phrase, g.time, g.code])()
    c = r.choice(CUES)
    lead = r.choice(["I wrote", "She asked", "We talked", "They sent a note", "He said", "The sign says",
                     "A letter came", "You mentioned"])
    return f"{lead} {c} {v}{r.choice(ENDINGS)}\n{r.choice(['Span', 'Value', 'Quote', 'It was'])}: {v}"


def doc_multi_turn(g):
    r = g.r
    a, p = g.name(), g.place()
    code = g.code()
    return "\n".join([
        f"<|im_start|>user\nMy name is {a} and I live in {p}.<|im_end|>",
        f"<|im_start|>assistant\nNice to meet you, {a}. How is life in {p}?<|im_end|>",
        f"<|im_start|>user\nGood. My code is {code}. What is my code?<|im_end|>",
        f"<|im_start|>assistant\nYour code is {code}.<|im_end|>",
    ])


KINDS = [(doc_story, 8), (doc_record, 10), (doc_sentence_to_json, 12), (doc_chat_copy, 12),
         (doc_chat_json, 10), (doc_chat_tool, 14), (lambda g: doc_chat_tool(g, True), 3),
         (doc_chat_tool_natural, 24), (doc_span_copy, 6), (doc_multi_turn, 3)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs", type=int, default=200000)
    ap.add_argument("--tokenizer-sample", help="also write the first --sample-docs documents, unmarked")
    ap.add_argument("--sample-docs", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    g = Gen(rng)
    funcs = [f for f, w in KINDS for _ in range(w)]
    sample = open(a.tokenizer_sample, "w", encoding="utf-8") if a.tokenizer_sample else None
    with open(a.out, "w", encoding="utf-8") as f:
        for i in range(a.docs):
            d = rng.choice(funcs)(g)
            while DOC_END in d or any(w in d for w in DEMO_WORDS):
                d = rng.choice(funcs)(g)
            f.write(d + "\n" + DOC_END + "\n")
            if sample and i < a.sample_docs:
                sample.write(d + "\n")
    if sample:
        sample.close()


if __name__ == "__main__":
    main()
