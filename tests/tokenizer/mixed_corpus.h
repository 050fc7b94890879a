// The mixed corpus that the real-tokenizer fidelity test and the encode benchmark share: at least
// 5,000 lines of English prose, code, CJK and other scripts, emoji (ZWJ sequences, skin tones, flags),
// numbers, whitespace runs and special-token strings, generated deterministically from a seed so the
// test and bench/ see the same text without a large file in the repository.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace llmcp::tokenizer::test {

inline std::vector<std::string> mixed_corpus(size_t lines = 5200, uint32_t seed = 20261122) {
  static const std::vector<std::string> prose = {
      "The quick brown fox jumps over the lazy dog.",
      "It was the best of times, it was the worst of times.",
      "What's the weather like in Paris today?",
      "I'm sure you'll see they've done it, haven't they? We'd know.",
      "Fine-tuning a 7B model with LoRA needs far less memory than full fine-tuning.",
      "Please summarize the following article in three sentences.",
      "The mitochondria is the powerhouse of the cell.",
      "She said: \"Don't forget the milk!\" and left.",
      "Dr. Smith's office (room 4B) opens at 9 a.m. sharp.",
      "IT'S ALL CAPS, ISN'T IT, AND WE'RE SHOUTING",
      "naïve café résumé façade coöperate jalapeño",
      "Straße, Übermaß, Ärger, Öl — typisch deutsch.",
      "Les élèves ont été très sages aujourd'hui.",
      "¿Dónde está la biblioteca? ¡Allí!",
      "Email alice@example.com or visit https://example.com/a?b=c&d=e#frag.",
      "Version 2.0.1-beta was released on 2024-05-22T10:30:00Z.",
      "The price rose from $1,234.56 to €2.000,00 (+62%).",
      "Call +1 (555) 010-9999 ext. 42 before 5pm.",
      "x'sy 's 't 're 've 'm 'll 'd",
      "A hyphenated-word, a slash/separated/path and a snake_case_name.",
  };
  static const std::vector<std::string> code = {
      "def add(a, b):\n    return a + b",
      "int main(int argc, char** argv) {\n  return 0;\n}",
      "for (size_t i = 0; i < n; ++i) sum += v[i] * w[i];",
      "const x = await fetch(`/api/${id}`).then((r) => r.json());",
      "SELECT name, COUNT(*) FROM users WHERE age >= 18 GROUP BY name;",
      "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"unit\": \"celsius\"}}",
      "if __name__ == \"__main__\":\n\tmain()",
      "#include <vector>\n#define MAX(a,b) ((a)>(b)?(a):(b))",
      "    return self._cache.get(key, default)  # fall back",
      "x = [i**2 for i in range(10) if i % 2 == 0]",
      "fn main() { println!(\"{:?}\", vec![1, 2, 3]); }",
      "<div class=\"row\"><span id='a'>&amp;</span></div>",
      "git commit -m 'fix: handle \\r\\n line endings' && git push",
      "$ ls -la /usr/local/bin | grep -E '^l' > /dev/null 2>&1",
      "matrix[i][j] += alpha * (a[i][k] - b[k][j]) / 3.0e-4;",
  };
  static const std::vector<std::string> scripts = {
      "日本語のテキストを正しく分割できますか。", "東京は日本の首都です。",
      "我爱自然语言处理，也喜欢机器学习。", "今天天气很好，我们去公园散步吧！",
      "한국어 문장도 잘 처리해야 합니다.", "안녕하세요, 만나서 반갑습니다.",
      "Привет, как дела? Всё хорошо.", "Ελληνικά γράμματα: αβγδε",
      "مرحبا بالعالم، كيف حالك؟", "שלום עולם", "हिन्दी में एक वाक्य।", "ภาษาไทยไม่มีช่องว่าง",
      "Tiếng Việt có dấu: Đà Nẵng", "ｆｕｌｌｗｉｄｔｈ　ｔｅｘｔ", "e\u0301 a\u0300\u0301 combining",
      "\u00a0nbsp and\u3000ideographic space", "zero\u200bwidth\u200cjoiner\u200d",
  };
  static const std::vector<std::string> emoji = {
      "😀", "🎉", "👨‍👩‍👧‍👦", "❤️", "👍🏽", "🇫🇷", "🏳️‍🌈", "🤖", "✨", "🔥🔥🔥", "☕", "🧑🏿‍💻", "½", "™", "∑∫√∞",
  };
  static const std::vector<std::string> specials = {
      "<s>", "</s>", "<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>",
      "<|end_header_id|>", "<|eot_id|>", "<|reserved_special_token_5|>", "[INST]", "[/INST]",
      "[TOOL_CALLS]", "[AVAILABLE_TOOLS]", "<|endoftext|>", ">>ABSTRACT<<", "<s >", "< s>", "<<SYS>>",
      "<0x41>", "\u2581already\u2581metaspace", "\u0120G-dot",
  };
  static const std::vector<std::string> spaces = {
      " ", "  ", "   ", "    ", "\t", "\t\t", " \t ", "\n", "\n\n", " \n ", "\r\n", "        ",
  };
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& v) -> const std::string& {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  auto number = [&]() {
    switch (std::uniform_int_distribution<int>(0, 5)(rng)) {
      case 0: return std::to_string(std::uniform_int_distribution<int>(0, 9)(rng));
      case 1: return std::to_string(std::uniform_int_distribution<int64_t>(0, 99999999999LL)(rng));
      case 2: return std::to_string(std::uniform_int_distribution<int>(-999, 999)(rng)) + "." +
                     std::to_string(std::uniform_int_distribution<int>(0, 9999)(rng));
      case 3: return std::string("1e-") + std::to_string(std::uniform_int_distribution<int>(1, 12)(rng));
      case 4: return std::to_string(std::uniform_int_distribution<int>(1900, 2100)(rng)) + "-0" +
                     std::to_string(std::uniform_int_distribution<int>(1, 9)(rng)) + "-1" +
                     std::to_string(std::uniform_int_distribution<int>(0, 9)(rng));
      default: return std::string("0x") + std::to_string(std::uniform_int_distribution<int>(0, 0xffff)(rng));
    }
  };
  std::vector<std::string> out;
  out.reserve(lines);
  while (out.size() < lines) {
    const int kind = std::uniform_int_distribution<int>(0, 9)(rng);
    std::string line;
    switch (kind) {
      case 0: case 1: line = pick(prose); break;
      case 2: line = pick(code); break;
      case 3: line = pick(scripts); break;
      case 4: line = pick(prose) + " " + pick(emoji) + pick(emoji); break;
      case 5: line = "Total: " + number() + " items, " + number() + " left (" + number() + "%)"; break;
      case 6: line = pick(spaces) + pick(prose) + pick(spaces) + pick(code) + pick(spaces); break;
      case 7: line = pick(specials) + pick(prose) + pick(specials) + " " + pick(specials); break;
      case 8: {  // a mixture of all kinds
        const int parts = std::uniform_int_distribution<int>(2, 6)(rng);
        for (int p = 0; p < parts; ++p) {
          const std::vector<std::string>* pools[] = {&prose, &code, &scripts, &emoji, &specials, &spaces};
          line += pick(*pools[std::uniform_int_distribution<int>(0, 5)(rng)]);
          if (std::uniform_int_distribution<int>(0, 2)(rng) == 0) line += number();
        }
        break;
      }
      default: line = pick(scripts) + pick(emoji) + " " + number() + pick(spaces) + pick(scripts); break;
    }
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace llmcp::tokenizer::test
