// Issue 22 through the executable, as a hurried user meets it: numeric flags out of range, the
// context length, --version, --adapter on generate, built-in template names, outputs that would
// overwrite inputs, runs that fail or are interrupted, configs run from another directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace llmcp::cli {
namespace {

namespace fs = std::filesystem;

std::string cli() { return testing::cli_path(); }
std::string src() { return testing::source_dir().string(); }

class Hardening : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    auto r = testing::run_command(cli() + " create-model --arch llama --preset tiny --seed 1 --config "
                                  "'{\"max_position_embeddings\": 64}' --out " + tiny() + " 2>&1");
    ASSERT_EQ(r.status, 0) << r.output;
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string tiny() { return (*dir_ / "tiny").string(); }
  static fs::path dir() { return dir_->path(); }
  static testing::TempDir* dir_;
};
testing::TempDir* Hardening::dir_ = nullptr;

// Every numeric flag given a value outside its range: a usage error naming the flag (or the
// setting), never a default taken silently, never an internal error (exit 70).
TEST_F(Hardening, EveryNumericFlagRefusesOutOfRangeValues) {
  const std::string m = " --model " + tiny();
  const std::string data = " --data " + src() + "/examples/data/text.jsonl";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"estimate" + m + " --batch-size 0", "--batch-size"},
      {"estimate" + m + " --memory -3", "--memory"},
      {"estimate" + m + " --memory 0", "--memory"},
      {"estimate" + m + " --memory nan", "--memory"},
      {"estimate" + m + " --lora-rank 0", "--lora-rank"},
      {"estimate" + m + " --seq-len 1", "--seq-len"},
      {"estimate" + m + " --gpus 0", "--gpus"},
      {"estimate" + m + " --inference --context -5", "--context"},
      {"models --gpu 'RTX 4090' --seq-len 0", "--seq-len"},
      {"models --memory -1", "--memory"},
      {"recommend" + m + " --dataset x.jsonl --memory -1", "--memory"},
      {"generate" + m + " --prompt hi --max-new-tokens -1", "max_new_tokens"},
      {"generate" + m + " --prompt hi --temperature -1", "temperature"},
      {"generate" + m + " --prompt hi --top-k -1", "top_k"},
      {"generate" + m + " --prompt hi --top-p 3", "top_p"},
      {"generate" + m + " --prompt hi --min-p 2", "min_p"},
      {"generate" + m + " --prompt hi --repetition-penalty 0", "repetition_penalty"},
      {"generate" + m + " --prompt hi --seed -1", "--seed"},
      {"generate" + m + " --prompt hi --device gpu", "--device"},
      {"generate" + m + " --prompt hi --device cuda:x", "--device"},
      {"eval" + m + data + " --device tpu", "--device"},
      {"serve --device cuda:", "--device"},
      {"create-model --preset tiny --seed -1 --out " + (dir() / "c-bad").string(), "--seed"},
      {"eval" + m + data + " --batch-size 0", "--batch-size"},
      {"eval" + m + data + " --seq-len -5", "--seq-len"},
      {"eval" + m + data + " --max-new-tokens -1", "--max-new-tokens"},
      {"quantize" + m + " --out " + (dir() / "q-bad").string() + " --blocksize 7", "--blocksize"},
      {"quantize" + m + " --out " + (dir() / "q-bad").string() + " --blocksize 33", "blocksize 33"},
      {"create-model --preset tiny --tokenizer-vocab 0 --out " + (dir() / "c-bad").string(), "--tokenizer-vocab"},
      {"serve --http --port 70000", "--port"},
      {"serve --http --port -1", "--port"},
      {"serve --max-jobs 0", "--max-jobs"},
      {"serve --cache-gb 0", "--cache-gb"},
      {"serve --page-size 0", "--page-size"},
      {"serve --max-body-mb -1", "--max-body-mb"},
      {"serve --max-loras -1", "--max-loras"},
      {"serve-openai" + m + " --max-loras x", "--max-loras"},
      {"serve --http --lora a=b", "add --model"},
      {"serve --http --served-model-name x", "add --model"},
      {"serve --allow-runtime-lora", "add --http"},
  };
  for (const auto& [args, expect] : cases) {
    auto r = testing::run_command(cli() + " " + args + " </dev/null");
    EXPECT_NE(r.status, 0) << args << ": " << r.output;
    EXPECT_NE(r.status, 70) << args << ": " << r.output;
    EXPECT_NE(r.output.find(expect), std::string::npos) << args << ": " << r.output;
    EXPECT_EQ(r.output.find("internal error"), std::string::npos) << args << ": " << r.output;
  }
  EXPECT_FALSE(fs::exists(dir() / "q-bad"));
  EXPECT_FALSE(fs::exists(dir() / "c-bad"));
}

TEST_F(Hardening, VersionAndHelp) {
  auto v = testing::run_command(cli() + " --version");
  ASSERT_EQ(v.status, 0) << v.output;
  EXPECT_NE(v.output.find("llm-mcp 0.1.0 (commit "), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("libtorch 2.15"), std::string::npos) << v.output;  // the pinned wheel's
#ifdef LLMCP_CUDA
  EXPECT_TRUE(v.output.find("CUDA: built in, no device found") != std::string::npos ||
              v.output.find("CUDA: yes") != std::string::npos)
      << v.output;
#else
  EXPECT_NE(v.output.find("CUDA: no (CPU build)"), std::string::npos) << v.output;
#endif
  auto h = testing::run_command(cli() + " help");
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.output.find("Subcommands:"), std::string::npos) << h.output;
  auto bare = testing::run_command(cli());
  EXPECT_NE(bare.status, 0);
  EXPECT_NE(bare.output.find("Subcommands:"), std::string::npos) << bare.output;
  auto train = testing::run_command(cli() + " train --help");
  EXPECT_NE(train.output.find("LoRA, QLoRA, DoRA, sparse or full"), std::string::npos);
  for (const char* key : {"bnb_4bit_quant_type", "sparsity_ratio", "mask_update_interval", "lora_rank", "save_steps"})
    EXPECT_NE(train.output.find(std::string("  ") + key + " ("), std::string::npos) << key;
}

// The tiny model here has a 64-token context.
TEST_F(Hardening, PromptsLongerThanTheContextAreRefusedOrTruncated) {
  std::string prompt;
  for (int i = 0; i < 100; ++i) prompt += "a b ";
  const std::string gen = cli() + " generate --model " + tiny() + " --prompt '" + prompt + "'";
  auto r = testing::run_command(gen + " --max-new-tokens 4");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("but the model's context is 64 tokens"), std::string::npos) << r.output;
  auto t = testing::run_command(gen + " --max-new-tokens 4 --truncate");
  EXPECT_EQ(t.status, 0) << t.output;
  EXPECT_NE(t.output.find("tokens were dropped to fit the context"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("prompt 60 tokens, generated 4 tokens"), std::string::npos) << t.output;
  auto many = testing::run_command(cli() + " generate --model " + tiny() + " --prompt hi --max-new-tokens 5000");
  EXPECT_EQ(many.status, 1) << many.output;
  EXPECT_NE(many.output.find("plus max_new_tokens 5000 exceed the model's context of 64"), std::string::npos) << many.output;
  // The default max_new_tokens (128) is shortened to what the context leaves.
  auto fit = testing::run_command(cli() + " generate --model " + tiny() + " --prompt hi --temperature 0");
  EXPECT_EQ(fit.status, 0) << fit.output;
}

// Outputs are written whole, beside their target, and never over an input.
TEST_F(Hardening, OutputsNeverReplaceInputsOrExistingFolders) {
  const std::string base = (dir() / "base").string();
  ASSERT_EQ(testing::run_command(cli() + " create-model --preset tiny --seed 2 --out " + base).status, 0);
  auto again = testing::run_command(cli() + " create-model --preset tiny --seed 3 --out " + base);
  EXPECT_EQ(again.status, 1);
  EXPECT_NE(again.output.find("already exists and is not empty"), std::string::npos) << again.output;
  const auto before = testing::run_command("md5sum " + base + "/model.safetensors").output;
  auto q = testing::run_command(cli() + " quantize --model " + base + " --out " + base);
  EXPECT_EQ(q.status, 1);
  EXPECT_NE(q.output.find("is the input"), std::string::npos) << q.output;
  auto m = testing::run_command(cli() + " merge --model " + base + " --adapter " + base + "/x --out " + base + "/sub");
  EXPECT_EQ(m.status, 1);
  EXPECT_NE(m.output.find("lies inside the input"), std::string::npos) << m.output;
  EXPECT_EQ(testing::run_command("md5sum " + base + "/model.safetensors").output, before);
  auto over = testing::run_command(cli() + " create-model --preset tiny --seed 3 --overwrite --out " + base);
  EXPECT_EQ(over.status, 0) << over.output;
  EXPECT_NE(testing::run_command("md5sum " + base + "/model.safetensors").output, before);
  for (const auto& e : fs::directory_iterator(dir()))
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
}

// The quantized folder says what it holds; a built-in template name works in render-chat as it
// does in train and eval.
TEST_F(Hardening, InfoSaysQuantizedAndRenderChatTakesBuiltInNames) {
  const std::string q = (dir() / "q4").string();
  ASSERT_EQ(testing::run_command(cli() + " quantize --model " + tiny() + " --out " + q + " --double-quant").status, 0);
  auto info = testing::run_command(cli() + " info --model " + q);
  EXPECT_NE(info.output.find("quantization: nf4, block size 64, double quantization"), std::string::npos) << info.output;
  auto plain = testing::run_command(cli() + " info --model " + tiny());
  EXPECT_NE(plain.output.find("quantization: none"), std::string::npos) << plain.output;
  std::ofstream(dir() / "msgs.json") << R"([{"role": "user", "content": "Hi"}])";
  auto r = testing::run_command(cli() + " render-chat --model " + tiny() + " --messages " + (dir() / "msgs.json").string() +
                                " --template llama-3.1");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("<|start_header_id|>user<|end_header_id|>"), std::string::npos) << r.output;
}

// A prompt that fits the context but not the memory: libtorch's allocation failure becomes one line
// saying how much was asked for and what to lower, never its stack (issue 22: 38 lines, exit 70).
TEST_F(Hardening, AnAllocationFailureIsAClearError) {
  const std::string big = (dir() / "bigctx").string();
  ASSERT_EQ(testing::run_command(cli() + " create-model --preset tiny --config '{\"max_position_embeddings\": 1000000}' "
                                 "--out " + big).status, 0);
  std::string prompt;
  for (int i = 0; i < 20000; ++i) prompt += "a b ";
  std::ofstream(dir() / "big-prompt.txt") << prompt;
  auto r = testing::run_command("ulimit -v 3000000; " + cli() + " generate --model " + big + " --prompt \"$(cat " +
                                (dir() / "big-prompt.txt").string() + ")\" --max-new-tokens 2");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("out of memory: an operation asked for "), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("frame #"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("enforce fail"), std::string::npos) << r.output;
}

// eval says how far it is while it generates (it was silent for 20 s on 30 cases); --verbose shows
// what was expected beside what was generated.
TEST_F(Hardening, EvalReportsProgressAndExpectedCalls) {
  const std::string eval = cli() + " eval --model " + src() + "/examples/demo-base --data " + src() +
                           "/examples/data/tool_calls_sample.jsonl --max-new-tokens 4";
  auto r = testing::run_command(eval + " 2>&1 >/dev/null");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("tool-call cases: 10 generated"), std::string::npos) << r.output;
  auto v = testing::run_command(eval + " --verbose 2>&1 >/dev/null");
  EXPECT_NE(v.output.find("     expected [{"), std::string::npos) << v.output;
}

}  // namespace
}  // namespace llmcp::cli
