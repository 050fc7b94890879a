// `llm-mcp tokenize / detokenize / render-chat` end to end on the real Llama-2 tokenizer files
// (tests/fixtures/hf-files): output formats, round trips through files, the Llama-2 chat format with
// its trained spans, and errors that say what to fix.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"
#include "test_util.h"

namespace llmcp::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string cli() { return testing::cli_path(); }

const std::string kLlama2 = std::string(LLMCP_SOURCE_DIR) + "/tests/fixtures/hf-files/meta-llama--Llama-2-7b-hf";

testing::CommandResult run(const std::string& args) { return testing::run_command(cli() + " " + args + " 2>&1"); }

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at < s.size()) {
    const size_t nl = s.find('\n', at);
    out.push_back(s.substr(at, nl - at));
    at = nl == std::string::npos ? s.size() : nl + 1;
  }
  return out;
}

TEST(TextCommands, TokenizeTextShowsIdsAndPieces) {
  // Llama-2's ids for "Hello world" are 15043 ("▁Hello") and 3186 ("▁world"); BOS is 1.
  auto r = run("tokenize --model " + kLlama2 + " --text 'Hello world' --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const json j = json::parse(r.output);
  EXPECT_EQ(j["ids"], json({15043, 3186}));
  EXPECT_EQ(j["pieces"], json({"\u2581Hello", "\u2581world"}));
  r = run("tokenize --model " + kLlama2 + " --text 'Hello world' --add-special-tokens --json");
  EXPECT_EQ(json::parse(r.output)["ids"], json({1, 15043, 3186}));
  r = run("tokenize --model " + kLlama2 + " --text 'Hello world'");
  EXPECT_NE(r.output.find("15043\t\"\u2581Hello\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("2 tokens"), std::string::npos) << r.output;
}

TEST(TextCommands, FileRoundTripThroughTokenizeAndDetokenize) {
  testing::TempDir dir;
  const std::vector<std::string> lines = {"The quick brown fox.", "日本語のテキスト 😀", "  indented\tcode();", ""};
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  core::write_file_atomic(dir / "in.txt", text);
  auto r = testing::run_command(cli() + " tokenize --model " + kLlama2 + " --file " + (dir / "in.txt").string() +
                                " --json > " + (dir / "ids.jsonl").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto id_lines = lines_of(core::read_file(dir / "ids.jsonl"));
  ASSERT_EQ(id_lines.size(), lines.size());
  for (const auto& l : id_lines) EXPECT_TRUE(json::parse(l).is_array()) << l;
  EXPECT_EQ(json::parse(id_lines.back()), json::array());  // no special tokens unless asked
  r = run("detokenize --model " + kLlama2 + " --file " + (dir / "ids.jsonl").string() + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const auto texts = lines_of(r.output);
  ASSERT_EQ(texts.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    // Llama-2's decoder drops the one leading space its normalizer adds; nothing else changes.
    EXPECT_EQ(json::parse(texts[i]).get<std::string>(), lines[i]) << i;
  }
  r = run("detokenize --model " + kLlama2 + " --ids '[1, 15043, 3186, 2]' --skip-special-tokens");
  EXPECT_EQ(r.output, "Hello world\n");
  r = run("detokenize --model " + kLlama2 + " --ids '1 15043 3186 2'");
  EXPECT_EQ(r.output, "<s> Hello world</s>\n");
}

TEST(TextCommands, RenderChatUsesTheBuiltInLlama2TemplateAndMasksAssistantTurns) {
  testing::TempDir dir;
  const json messages = {{{"role", "user"}, {"content", "Hi there"}},
                         {{"role", "assistant"}, {"content", "Hello! How can I help?"}},
                         {{"role", "user"}, {"content", "Tell me a joke."}},
                         {{"role", "assistant"}, {"content", "Why did the chicken cross the road?"}}};
  core::write_file_atomic(dir / "m.json", messages.dump());
  auto r = run("render-chat --model " + kLlama2 + " --messages " + (dir / "m.json").string() + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  const json j = json::parse(r.output);
  // Llama-2-chat's format: <s>[INST] user [/INST] assistant </s> per exchange.
  EXPECT_EQ(j["text"], "<s>[INST] Hi there [/INST] Hello! How can I help? </s><s>[INST] Tell me a joke. [/INST] "
                       "Why did the chicken cross the road? </s>");
  EXPECT_EQ(j["template"], "built-in llama-2");
  const auto ids = j["ids"].get<std::vector<int32_t>>();
  const auto mask = j["mask"].get<std::vector<int>>();
  ASSERT_EQ(ids.size(), mask.size());
  std::vector<int32_t> trained, prompt;
  for (size_t i = 0; i < ids.size(); ++i) (mask[i] ? trained : prompt).push_back(ids[i]);
  auto decode = [&](const std::vector<int32_t>& v) {
    core::write_file_atomic(dir / "v.json", json(v).dump());
    return json::parse(run("detokenize --model " + kLlama2 + " --file " + (dir / "v.json").string() + " --json").output)
        .get<std::string>();
  };
  EXPECT_EQ(decode(trained), "Hello! How can I help? </s> Why did the chicken cross the road? </s>");
  EXPECT_EQ(decode(prompt), "<s> [INST] Hi there [/INST]<s> [INST] Tell me a joke. [/INST]");
  r = run("render-chat --model " + kLlama2 + " --messages " + (dir / "m.json").string() + " --mask");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("\u27E6 Hello! How can I help? </s>\u27E7"), std::string::npos) << r.output;
}

// A tokenizer.model-only folder inside the torch-linked executable (libsentencepiece's bundled
// protobuf must not clash with libtorch's): ids as Google's sentencepiece gives them.
TEST(TextCommands, TokenizerModelOnlyFolderWorksInTheExecutable) {
  testing::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 300; ++i) {
    corpus += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog; " +
              "pack my box with five dozen liquor jugs " + std::to_string(i * 7919) + "\n";
  }
  core::write_file_atomic(dir / "corpus.txt", corpus);
  const std::string script = std::string(LLMCP_SOURCE_DIR) + "/tools/reference/sentencepiece_reference.py";
  auto r = testing::run_command(testing::reference_python() + " " + script + " train " + (dir / "corpus.txt").string() +
                                " " + (dir / "tokenizer").string() + " 400 bpe");
  ASSERT_EQ(r.status, 0) << r.output << " (needs python3-sentencepiece: run `make test-deps`)";
  const std::string text = "the lazy fox 12345 jumps";
  core::write_file_atomic(dir / "s.json", json({text}).dump());
  r = testing::run_command(testing::reference_python() + " " + script + " encode " + (dir / "tokenizer.model").string() +
                           " " + (dir / "s.json").string());
  ASSERT_EQ(r.status, 0) << r.output;
  const auto want = json::parse(r.output)["ids"][0];
  r = run("tokenize --model " + dir.path().string() + " --text '" + text + "' --json");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(json::parse(r.output)["ids"], want);
}

TEST(TextCommands, BadInputSaysWhatToFix) {
  testing::TempDir dir;
  auto r = run("tokenize --model " + kLlama2);
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("--text or --file"), std::string::npos) << r.output;
  r = run("detokenize --model " + kLlama2 + " --ids '1 two 3'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("'two' is not a token id"), std::string::npos) << r.output;
  r = run("detokenize --model " + kLlama2 + " --ids '99999999'");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("not in the vocabulary"), std::string::npos) << r.output;
  core::write_file_atomic(dir / "lines.txt", "fine\nalso fine\nbad \xff byte\n");  // names the line (issue 22)
  r = run("tokenize --model " + kLlama2 + " --file " + (dir / "lines.txt").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("line 3: "), std::string::npos) << r.output;
  r = run("tokenize --model " + (dir / "nope").string() + " --text hi");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
  core::write_file_atomic(dir / "bad.json", "[{\"role\": ");
  r = run("render-chat --model " + kLlama2 + " --messages " + (dir / "bad.json").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("not valid JSON"), std::string::npos) << r.output;
  // A folder with only tokenizer.json (no config.json, no template): says how to supply a template.
  fs::create_directories(dir / "tok");
  fs::copy_file(kLlama2 + "/tokenizer.json", dir / "tok/tokenizer.json");
  core::write_file_atomic(dir / "m.json", R"([{"role": "user", "content": "hi"}])");
  r = run("render-chat --model " + (dir / "tok").string() + " --messages " + (dir / "m.json").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("chat_template.jinja"), std::string::npos) << r.output;
  // Roles that do not alternate: the template's own raise_exception message comes through.
  core::write_file_atomic(dir / "m.json", R"([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])");
  r = run("render-chat --model " + kLlama2 + " --messages " + (dir / "m.json").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("Conversation roles must alternate"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace llmcp::cli
