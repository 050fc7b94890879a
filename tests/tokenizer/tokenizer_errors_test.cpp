// Broken or unsupported tokenizer.json / tokenizer_config.json files must fail with a core::Error
// whose code and message say what is wrong — never a crash or a foreign exception type.
#include "test_util.h"

namespace llmcp::tokenizer::test {
namespace {

using nlohmann::json;
using core::ErrorCode;

json minimal() {
  return {{"model", {{"type", "BPE"}, {"vocab", {{"a", 0}, {"b", 1}, {"ab", 2}}}, {"merges", {"a b"}}}}};
}

ErrorCode load_error(const std::string& text, std::string* msg = nullptr,
                     const std::string& config = "") {
  return error_code_of([&] { Tokenizer::from_json(text, config); }, msg);
}

TEST(TokenizerErrors, MalformedFilesAreReported) {
  std::string msg;
  EXPECT_EQ(load_error("{not json", &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("not valid JSON"), std::string::npos) << msg;
  EXPECT_EQ(load_error("[1, 2]"), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error("{}", &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("'model'"), std::string::npos) << msg;

  auto with = [](const char* key, json value) {
    json j = minimal();
    j["model"][key] = value;
    return j.dump();
  };
  EXPECT_EQ(load_error(with("vocab", json::array()), &msg), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(with("vocab", {{"a", "zero"}}), &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("'a'"), std::string::npos) << msg;
  EXPECT_EQ(load_error(with("vocab", {{"a", -3}})), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(with("merges", {"a c"}), &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("'c'"), std::string::npos) << msg;
  EXPECT_EQ(load_error(with("merges", {"b a"}), &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("'ba'"), std::string::npos) << msg;  // the merge result is missing
  EXPECT_EQ(load_error(with("merges", {"ab"})), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(with("merges", {{"a"}})), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(with("merges", 7)), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(with("fuse_unk", "yes")), ErrorCode::kMalformedFile);

  json bad_added = minimal();
  bad_added["added_tokens"] = {{{"content", "<x>"}}};  // no id
  EXPECT_EQ(load_error(bad_added.dump()), ErrorCode::kMalformedFile);
  json bad_regex = minimal();
  bad_regex["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
  EXPECT_EQ(load_error(bad_regex.dump(), &msg), ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("(unclosed"), std::string::npos) << msg;
  json bad_template = minimal();
  bad_template["post_processor"] = {{"type", "TemplateProcessing"},
                                    {"single", {{{"SpecialToken", {{"id", "<s>"}}}}}}};
  EXPECT_EQ(load_error(bad_template.dump()), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(minimal().dump(), nullptr, "{\"bos_token\": 3}"), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(minimal().dump(), nullptr, "{oops"), ErrorCode::kMalformedFile);
  EXPECT_EQ(load_error(minimal().dump(), &msg, R"({"add_bos_token": true, "bos_token": "<s>"})"),
            ErrorCode::kMalformedFile);
  EXPECT_NE(msg.find("bos_token"), std::string::npos) << msg;
}

TEST(TokenizerErrors, UnsupportedComponentsNameTheAlternatives) {
  struct Case {
    const char* key;
    json value;
    const char* supported;
  };
  const std::vector<Case> cases = {
      {"normalizer", {{"type", "NFKC"}}, "Prepend"},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}, "ByteLevel"},
      {"post_processor", {{"type", "BertProcessing"}}, "TemplateProcessing"},
      {"decoder", {{"type", "WordPiece"}}, "ByteFallback"},
      {"pre_tokenizer", {{"type", "Split"}, {"pattern", {{"String", "x"}}}, {"behavior", "Sideways"}},
       "Isolated"},
  };
  for (const auto& c : cases) {
    json j = minimal();
    j[c.key] = c.value;
    std::string msg;
    EXPECT_EQ(load_error(j.dump(), &msg), ErrorCode::kUnsupported) << c.key;
    EXPECT_NE(msg.find(c.supported), std::string::npos) << msg;
  }
  json wordpiece = minimal();
  wordpiece["model"]["type"] = "WordPiece";
  std::string msg;
  EXPECT_EQ(load_error(wordpiece.dump(), &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("'WordPiece'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("BPE"), std::string::npos) << msg;
}

TEST(TokenizerErrors, TruncatedAndCorruptedFilesNeverCrash) {
  const std::string good = trained_json();
  std::mt19937 rng(11);
  int loaded = 0;
  for (int i = 0; i < 300; ++i) {
    std::string text = good;
    if (i % 2 == 0) {
      text.resize(std::uniform_int_distribution<size_t>(0, good.size() - 1)(rng));
    } else {
      for (int k = 0; k < 3; ++k) {
        const size_t at = std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng);
        text[at] = "{}[]\",:0a\\ "[std::uniform_int_distribution<int>(0, 11)(rng)];
      }
    }
    try {
      const auto t = Tokenizer::from_json(text, "");
      t.decode(t.encode("hello world"));
      ++loaded;
    } catch (const core::Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::kMalformedFile || e.code() == ErrorCode::kUnsupported)
          << e.what();
    }
  }
  std::printf("%d of 300 corrupted files still loaded\n", loaded);
}

// Valid JSON with the wrong structure: one node replaced by a value of another type, or removed.
TEST(TokenizerErrors, StructurallyWrongFilesNeverCrash) {
  const json good = json::parse(trained_json());
  std::vector<json::json_pointer> nodes;
  const json flat = good.flatten();
  for (const auto& [path, value] : flat.items()) {
    (void)value;
    json::json_pointer p(path);
    while (!p.empty()) {  // every ancestor too, so whole components get replaced
      nodes.push_back(p);
      p = p.parent_pointer();
    }
  }
  const std::vector<json> replacements = {nullptr, 0, -1, 3.5, "x", "", json::array(),
                                          json::object(), true, json::array({1, "a"}),
                                          json{{"type", "Nope"}}, 1e30};
  std::mt19937 rng(5);
  int loaded = 0;
  for (int i = 0; i < 3000; ++i) {
    json j = good;
    const auto& p = nodes[std::uniform_int_distribution<size_t>(0, nodes.size() - 1)(rng)];
    const size_t pick = std::uniform_int_distribution<size_t>(0, replacements.size())(rng);
    if (pick == replacements.size()) {
      json& parent = j.at(p.parent_pointer());
      if (parent.is_object()) {
        parent.erase(p.back());
      } else {
        parent.erase(static_cast<size_t>(std::stoul(p.back())));
      }
    } else {
      j.at(p) = replacements[pick];
    }
    try {
      const auto t = Tokenizer::from_json(j.dump(), "");
      t.decode(t.encode("hello world <s>"));
      ++loaded;
    } catch (const core::Error& e) {
      EXPECT_NE(e.code(), ErrorCode::kInternal) << e.what();
    }
  }
  std::printf("%d of 3000 altered files still loaded\n", loaded);
}

}  // namespace
}  // namespace llmcp::tokenizer::test
