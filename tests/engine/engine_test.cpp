// The facade: model_info's figures follow from the config, and generate() takes unset sampling
// options from the model's generation_config.json (greedy unless it says do_sample).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>

#include "core/error.h"
#include "engine/engine.h"
#include "test_util.h"

namespace llmcp::engine {
namespace {

TEST(EngineTest, InfoFigures) {
  testing::TempDir dir;
  create_model({.arch = "mistral", .preset = "tiny", .seed = 1, .dtype = "bfloat16", .out_dir = (dir / "m").string()});
  auto j = model_info((dir / "m").string());
  EXPECT_EQ(j["architecture"], "MistralForCausalLM");
  EXPECT_EQ(j["dtype"], "bfloat16");
  const int64_t params = j["parameters"];
  EXPECT_EQ(j["weights_bytes"].get<int64_t>(), params * 2);
  // 4 layers x 2 (K and V) x 2 kv heads x 32 head dim x 2 bytes
  EXPECT_EQ(j["kv_cache_bytes_per_token"].get<int64_t>(), 4 * 2 * 2 * 32 * 2);
  EXPECT_EQ(j["context_length"].get<int64_t>(), 32768);
  EXPECT_EQ(j["memory_bytes"].get<int64_t>(), params * 2 + 1024 * 32768);  // KV cache for the whole context
  // The bf16 file really is bf16: half the bytes of the fp32 model.
  create_model({.preset = "tiny", .out_dir = (dir / "f").string()});
  EXPECT_NEAR(double(std::filesystem::file_size(dir / "m" / "model.safetensors")),
              double(std::filesystem::file_size(dir / "f" / "model.safetensors")) / 2, 4096.0);
}

TEST(EngineTest, GenerationConfigDecidesSampling) {
  testing::TempDir dir;
  auto path = (dir / "m").string();
  create_model({.preset = "tiny", .seed = 2, .out_dir = path});
  auto run = [&](uint64_t seed) {
    GenerateRequest r;
    r.model_dir = path;
    r.prompt = "Hello";
    r.max_new_tokens = 12;
    r.seed = seed;
    return generate(r).text;
  };
  EXPECT_EQ(run(1), run(2));  // no do_sample in generation_config.json: greedy, seed irrelevant
  std::ofstream(dir / "m" / "generation_config.json") << R"({"do_sample": true, "temperature": 1.5, "eos_token_id": 2})";
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));  // sampling now
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const core::Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(EngineTest, ErrorsSayWhatToFix) {
  EXPECT_NE(error_of([] { create_model({.out_dir = ""}); }).find("--out"), std::string::npos);
  EXPECT_NE(error_of([] { model_info("/nonexistent"); }).find("config.json"), std::string::npos);
  EXPECT_NE(error_of([] { generate(GenerateRequest{}); }).find("--model"), std::string::npos);
  testing::TempDir dir;
  create_model({.preset = "tiny", .out_dir = (dir / "m").string()});
  GenerateRequest r;
  r.model_dir = (dir / "m").string();
  r.prompt = "hi";
  r.top_p = 3.0;
  EXPECT_NE(error_of([&] { generate(r); }).find("top_p"), std::string::npos);
  r.top_p.reset();
  r.dtype = "float16";
  EXPECT_NE(error_of([&] { generate(r); }).find("bfloat16"), std::string::npos);
}

TEST(EngineTest, Float16CheckpointRunsOnCpuInBf16) {
  testing::TempDir dir;
  create_model({.preset = "tiny", .dtype = "float16", .out_dir = (dir / "m").string()});
  GenerateRequest r;
  r.model_dir = (dir / "m").string();
  r.prompt = "Hello";
  r.max_new_tokens = 4;
  EXPECT_EQ(generate(r).completion_tokens, 4);
}

}  // namespace
}  // namespace llmcp::engine
