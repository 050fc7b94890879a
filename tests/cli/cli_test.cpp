// End-to-end through the llm-mcp executable: create-model, info, generate; bad input gives a
// message saying what to fix and a non-zero exit status.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace llmcp::cli {
namespace {

std::string cli() { return testing::cli_path(); }

TEST(CliTest, CreateInfoGenerate) {
  testing::TempDir dir;
  auto created = testing::run_command(cli() + " create-model --arch llama --preset tiny --seed 1 --out " +
                                      (dir / "m").string() + " 2>/dev/null");
  ASSERT_EQ(created.status, 0) << created.output;
  auto info = testing::run_command(cli() + " info --json --model " + (dir / "m").string());
  ASSERT_EQ(info.status, 0) << info.output;
  auto j = nlohmann::json::parse(info.output);
  EXPECT_EQ(j["architecture"], "LlamaForCausalLM");
  EXPECT_GT(j["parameters"].get<int64_t>(), 500000);
  EXPECT_LT(j["parameters"].get<int64_t>(), 2000000);

  auto gen = [&](const std::string& extra) {
    return testing::run_command(cli() + " generate --model " + (dir / "m").string() +
                                " --prompt 'Hello there' --max-new-tokens 8 " + extra + " 2>/dev/null");
  };
  auto a = gen("--temperature 0.8 --top-k 40 --seed 3");
  auto b = gen("--temperature 0.8 --top-k 40 --seed 3");
  ASSERT_EQ(a.status, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_FALSE(a.output.empty());
}

// Users plan before they download: a folder with only a real config.json is enough for info.
TEST(CliTest, InfoOnAConfigOnlyFolder) {
  const std::pair<const char*, int64_t> published[] = {{"tiiuae--falcon-40b", 41303293952},
                                                       {"tiiuae--falcon-7b", 6921720704},
                                                       {"mistralai--Mixtral-8x7B-v0.1", 46702792704},
                                                       {"meta-llama--Llama-2-7b-hf", 6738415616}};
  for (const auto& [name, count] : published) {
    testing::TempDir dir;
    std::filesystem::copy_file(testing::source_dir() / "tests/fixtures/hf-files" / name / "config.json", dir / "config.json");
    auto r = testing::run_command(cli() + " info --json --model " + dir.path().string());
    ASSERT_EQ(r.status, 0) << name << ": " << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["parameters"].get<int64_t>(), count) << name;
    auto text = testing::run_command(cli() + " info --model " + dir.path().string());
    ASSERT_EQ(text.status, 0) << text.output;
    const std::string digits = std::to_string(count);
    std::string commas;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > 0 && (digits.size() - i) % 3 == 0) commas.push_back(',');
      commas.push_back(digits[i]);
    }
    EXPECT_NE(text.output.find("parameters: " + commas), std::string::npos) << text.output;
    if (std::string(name).starts_with("mistralai--Mixtral")) {
      EXPECT_EQ(j["active_parameters"].get<int64_t>(), 12879925248);  // published: 12.9B active
    }
  }
}

TEST(CliTest, ModelsPrintsTheComputedSupportMatrix) {
  auto r = testing::run_command(cli() + " models --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto m = nlohmann::json::parse(r.output);
  std::map<std::string, nlohmann::json> families;
  for (const auto& f : m["families"]) families[f["family"]] = f;
  for (const char* f : {"llama", "mistral", "mixtral", "falcon", "falcon-rw"}) {
    ASSERT_TRUE(families.count(f)) << f;
    for (const char* method : {"lora", "qlora", "dora", "sparse", "full"})
      EXPECT_TRUE(families[f]["methods"][method]["supported"].get<bool>()) << f << " " << method;
  }
  EXPECT_EQ(families["falcon"]["default_target_modules"], nlohmann::json::array({"query_key_value"}));
  EXPECT_NE(families["falcon"]["methods"]["lora"]["trains"].get<std::string>().find("query_key_value"), std::string::npos);
  auto mixtral_targets = families["mixtral"]["target_modules"].get<std::vector<std::string>>();
  for (const char* t : {"gate", "w1", "w2", "w3", "q_proj"})
    EXPECT_NE(std::find(mixtral_targets.begin(), mixtral_targets.end(), t), mixtral_targets.end()) << t;
  auto table = testing::run_command(cli() + " models");
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_NE(table.output.find("MixtralForCausalLM"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("RWForCausalLM"), std::string::npos) << table.output;
}

TEST(CliTest, CreateAndRunMixtralAndBothFalconLayouts) {
  for (const char* args : {"--arch mixtral", "--arch falcon",
                           "--arch falcon --config '{\"new_decoder_architecture\": true, \"num_kv_heads\": 2}'",
                           "--arch falcon-rw --config '{\"n_head_kv\": 2}'"}) {
    testing::TempDir dir;
    auto created = testing::run_command(cli() + " create-model " + args + " --out " + (dir / "m").string() + " 2>/dev/null");
    ASSERT_EQ(created.status, 0) << args << ": " << created.output;
    auto gen = testing::run_command(cli() + " generate --model " + (dir / "m").string() +
                                    " --prompt 'Hello there' --max-new-tokens 4 2>/dev/null");
    EXPECT_EQ(gen.status, 0) << args << ": " << gen.output;
  }
}

TEST(CliTest, BadInputSaysWhatToFix) {
  testing::TempDir dir;
  auto r = testing::run_command(cli() + " info --model " + dir.path().string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("config.json"), std::string::npos) << r.output;
  r = testing::run_command(cli() + " create-model --preset huge --out " + (dir / "x").string());
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("tiny"), std::string::npos) << r.output;  // lists the presets
  r = testing::run_command(cli() + " generate --model " + dir.path().string() + " --prompt hi");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("tokenizer.json"), std::string::npos) << r.output;
  ASSERT_EQ(testing::run_command(cli() + " create-model --out " + (dir / "m").string()).status, 0);
  r = testing::run_command(cli() + " generate --model " + (dir / "m").string() + " --prompt hi --top-p 3");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.output.find("top_p must be in (0, 1]"), std::string::npos) << r.output;
  r = testing::run_command(cli() + " generate --model " + (dir / "m").string() + " --prompt hi --device tpu");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.output.find("tpu"), std::string::npos) << r.output;
}

// Each seed example config runs as written (two steps), and `quantize` writes a folder that
// loads, quantized, with a quantization_config transformers reads.
TEST(CliTest, ExampleConfigsAndQuantize) {
  testing::TempDir dir;
  const std::string src = testing::source_dir().string();
  for (const char* name : {"lora", "dora", "qlora", "sparse"}) {
    auto r = testing::run_command("cd " + src + " && " + cli() + " train examples/" + name +
                                  ".yaml --set max_steps=2 --set epochs=1 --set output_dir=" +
                                  (dir / name).string() + " 2>&1");
    ASSERT_EQ(r.status, 0) << name << ": " << r.output;
    EXPECT_TRUE(std::filesystem::exists(dir / name / "adapter_model.safetensors")) << name;
  }
  // A sparse adapter merges like any other and the merged folder generates.
  auto m = testing::run_command(cli() + " merge --model " + src + "/examples/demo-base --adapter " +
                                (dir / "sparse").string() + " --out " + (dir / "sparse-merged").string() + " 2>&1");
  ASSERT_EQ(m.status, 0) << m.output;
  auto g = testing::run_command(cli() + " generate --model " + (dir / "sparse-merged").string() +
                                " --prompt 'Hello' --max-new-tokens 4 2>&1");
  EXPECT_EQ(g.status, 0) << g.output;
  auto q = testing::run_command(cli() + " quantize --model " + src + "/examples/demo-base --type fp4 --out " +
                                (dir / "q").string() + " 2>/dev/null");
  ASSERT_EQ(q.status, 0) << q.output;
  auto j = nlohmann::json::parse(q.output);
  EXPECT_EQ(j["modules_quantized"], 28);
  EXPECT_LT(j["quantized_bytes"].get<double>(), 0.3 * j["dense_bytes"].get<double>());
  auto cfg = nlohmann::json::parse(testing::run_command("cat " + (dir / "q" / "config.json").string()).output);
  EXPECT_EQ(cfg["quantization_config"]["quant_method"], "bitsandbytes");
  EXPECT_EQ(cfg["quantization_config"]["bnb_4bit_quant_type"], "fp4");
  auto gen = testing::run_command(cli() + " generate --model " + (dir / "q").string() +
                                  " --prompt 'Hello' --max-new-tokens 4 2>&1");
  EXPECT_EQ(gen.status, 0) << gen.output;
  auto bad = testing::run_command(cli() + " quantize --model " + src + "/examples/demo-base --type nf3 --out " +
                                  (dir / "b").string() + " 2>&1");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("nf4, fp4 or int8"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace llmcp::cli
