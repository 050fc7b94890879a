// The built-in training text for synthetic tokenizers (see bpe_trainer.h): plain sentences written
// for this project (no third-party text), plus code, numbers and the tool-call JSON our models are
// fine-tuned to emit, so common pieces of all of them get their own tokens.
#include "tokenizer/bpe_trainer.h"

namespace llmcp::tokenizer {

std::string default_corpus() {
  return R"CORPUS(The quick brown fox jumps over the lazy dog. The dog does not mind; it is a very lazy dog.
Once upon a time there was a small village by the sea. The people of the village were fishers and farmers.
Every morning the boats went out, and every evening they came back with the day's catch.
The children played on the beach while their parents mended the nets and talked about the weather.
It was a quiet place, but nobody there thought it was boring.
A good question is half of the answer. Ask what you want to know, and say what you already know.
Machine learning models learn patterns from data. A language model predicts the next token in a text.
Training a model means changing its weights so that its predictions get better on the training data.
We measure the loss on a validation set that the model has never seen during training.
If the training loss goes down but the validation loss goes up, the model is overfitting.
Fine-tuning starts from a model that was already trained, and adapts it to a new task with less data.
Low-rank adapters add a small number of new weights and keep the original weights frozen.
The learning rate controls how big each update step is. Too large and training diverges; too small and it crawls.
A tokenizer splits text into tokens. Each token has an id, and the model only ever sees the ids.
Byte-level tokenizers can encode any text, including emoji, accents like café and naïve, and symbols.
The weather today is sunny with a light breeze. Tomorrow it will be cloudy, and rain is expected on Friday.
In Paris it is 18 degrees, in London 14 degrees, in Tokyo 22 degrees and in New York 16 degrees.
The meeting is on Monday at 10:30 in room 204. Please bring the report and your questions.
She said: "I will be there at five o'clock." He answered, "Then I'll wait for you at the station."
They're sure it's right, but we've checked twice and you'll see that it isn't.
What is the capital of France? The capital of France is Paris.
How many days are there in a week? There are seven days in a week.
Can you help me write an email to my manager? Of course, here is a short draft you can edit.
Summarize the following paragraph in one sentence, then list three keywords.
Translate "good morning" into Spanish: "buenos días". Translate "thank you" into German: "danke".
User: What's the weather like in Paris?
Assistant: Let me check the current weather for you.
{"name": "get_weather", "arguments": {"city": "Paris"}}
{"name": "get_weather", "arguments": {"city": "London", "unit": "celsius"}}
{"name": "search_web", "arguments": {"query": "latest news about renewable energy", "max_results": 5}}
{"name": "send_email", "arguments": {"to": "alice@example.com", "subject": "Meeting notes", "body": "See attached."}}
{"name": "get_time", "arguments": {"timezone": "Europe/Berlin"}}
{"tool_calls": [{"name": "calculator", "arguments": {"expression": "12 * (3 + 4)"}}]}
{"input": "What is 2 + 2?", "output": "2 + 2 = 4."}
{"role": "user", "content": "Hello!"}
{"role": "assistant", "content": "Hi! How can I help you today?"}
{"type": "function", "function": {"name": "lookup", "parameters": {"type": "object", "properties": {"id": {"type": "integer"}}}}}
def add(a, b):
    return a + b

for i in range(10):
    print(i, add(i, i * 2))

int main() {
  std::vector<int> values = {1, 2, 3, 4, 5};
  for (int v : values) std::cout << v << "\n";
  return 0;
}

function greet(name) { return `Hello, ${name}!`; }
SELECT name, age FROM users WHERE age > 30 ORDER BY name;
The numbers 0 1 2 3 4 5 6 7 8 9 10 100 1000 2024 3.14159 2.71828 -42 1e-5 are all numbers.
Lists are useful:
- first item
- second item
- third item
1. Open the file.
2. Read the data.
3. Close the file.
Good code is easy to read, easy to test, and easy to change. Small functions help with all three.
Errors should say what went wrong and what to do about it, not only that something failed.
When in doubt, write a test. When the test fails, read the message before you read the code.
The river flows to the sea, the sea rises to the clouds, and the clouds return as rain to the hills.
Autumn leaves are red and gold; winter brings snow and long nights; spring brings flowers again.
An apple a day keeps the doctor away, or so the old saying goes.
The library opens at nine and closes at six. Books can be borrowed for three weeks.
Thank you for your message. I will get back to you as soon as possible.
Please note that the office will be closed on the public holiday.
Emoji appear in chats all the time: 🙂 👍 🎉 ❤️ and sometimes whole sentences are made of them.
Other scripts matter too: 日本語, 中文, 한국어, русский, ελληνικά, العربية, हिन्दी.
)CORPUS";
}

}  // namespace llmcp::tokenizer
