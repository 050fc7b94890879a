// `llm-mcp estimate`, `recommend` and `models --gpu` through the executable: the JSON the MCP
// tool shares, a config-only folder, a recommended config that `llm-mcp train` runs, the derived
// matrix, and errors that say what to pass.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "test_util.h"

namespace llmcp::cli {
namespace {

std::string cli() { return testing::cli_path(); }

TEST(PlanCommands, EstimateOnAConfigOnlyFolderGivesTheBreakdown) {
  testing::TempDir dir;
  std::filesystem::copy_file(testing::source_dir() / "tests/fixtures/hf-files/meta-llama--Llama-2-7b-hf/config.json",
                             dir / "config.json");
  auto r = testing::run_command(cli() + " estimate --json --model " + dir.path().string() +
                                " --method qlora --gpu 'RTX 4090 24GB' --seq-len 1024 --batch-size 1 --gradient-checkpointing");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_TRUE(j["fits"].get<bool>());
  EXPECT_EQ(j["available_bytes"].get<int64_t>(), 24564LL << 20);
  EXPECT_EQ(j["model"]["parameters"].get<int64_t>(), 6738415616);
  int64_t sum = 0;
  for (auto it = j["breakdown"].begin(); it != j["breakdown"].end(); ++it) sum += it.value().get<int64_t>();
  EXPECT_EQ(sum, j["total_bytes"].get<int64_t>());
  for (const char* part : {"weights", "trainable", "gradients", "optimizer", "activations", "loss", "workspace"})
    EXPECT_TRUE(j["breakdown"].contains(part)) << part;
  EXPECT_TRUE(j["settings"]["bf16"].get<bool>());  // a GPU plan defaults to mixed precision

  // Full fine-tuning of 7B does not fit 24 GB; the advice says what would.
  auto full = testing::run_command(cli() + " estimate --json --model meta-llama/Llama-2-7b-hf --method full --gpu 4090");
  ASSERT_EQ(full.status, 0) << full.output;
  auto f = nlohmann::json::parse(full.output);
  EXPECT_FALSE(f["fits"].get<bool>());
  bool qlora_fits = false;
  for (const auto& a : f["advice"])
    if (a["change"].get<std::string>().find("QLoRA") != std::string::npos) qlora_fits = a["fits"].get<bool>();
  EXPECT_TRUE(qlora_fits) << f["advice"].dump();
}

TEST(PlanCommands, BadInputSaysWhatToPass) {
  auto gpu = testing::run_command(cli() + " estimate --model meta-llama/Llama-2-7b-hf --gpu voodoo5");
  EXPECT_NE(gpu.status, 0);
  EXPECT_NE(gpu.output.find("H100 80GB"), std::string::npos) << gpu.output;
  auto model = testing::run_command(cli() + " estimate --model /nonexistent/folder");
  EXPECT_NE(model.status, 0);
  EXPECT_NE(model.output.find("config.json"), std::string::npos) << model.output;
  auto key = testing::run_command(cli() + " estimate --model meta-llama/Llama-2-7b-hf --set lora_rnak=8");
  EXPECT_NE(key.status, 0);
  EXPECT_NE(key.output.find("lora_rank"), std::string::npos) << key.output;
}

// The recommended config is one `llm-mcp train` runs as written (two steps here).
TEST(PlanCommands, RecommendedConfigTrains) {
  testing::TempDir dir;
  auto created = testing::run_command(cli() + " create-model --preset tiny --seed 2 --out " + (dir / "m").string());
  ASSERT_EQ(created.status, 0) << created.output;
  {
    std::ofstream d(dir / "d.jsonl");
    for (int i = 0; i < 300; ++i)
      d << R"({"instruction": "Add )" << i << R"( and 2.", "output": "The sum is )" << i + 2 << R"(."})" << "\n";
  }
  const auto cfg = dir / "cfg.yaml";
  auto r = testing::run_command("cd " + dir.path().string() + " && " + cli() + " recommend --model m --dataset d.jsonl --memory 4 --out " +
                                cfg.string() + " --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["dataset"]["examples"].get<int64_t>(), 300);
  EXPECT_FALSE(j["dataset"]["approximate"].get<bool>());  // measured with the model's tokenizer
  EXPECT_FALSE(j["reasons"].empty());
  ASSERT_TRUE(std::filesystem::exists(cfg));
  auto train = testing::run_command("cd " + dir.path().string() + " && " + cli() + " train " + cfg.string() +
                                    " --set max_steps=2 --set output_dir=out 2>&1");
  ASSERT_EQ(train.status, 0) << train.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "adapter_model.safetensors") ||
              std::filesystem::exists(dir / "out" / "model.safetensors"));
}

TEST(PlanCommands, ModelsForAGpuDerivesTheSeedMatrix) {
  auto r = testing::run_command(cli() + " models --gpu 'A6000 48GB' --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  std::map<std::string, nlohmann::json> rows;
  for (const auto& row : j["models"]) rows[row["model"]] = row["cells"];
  ASSERT_EQ(rows.size(), 7u);
  // Full fine-tuning keeps fp32 weights, gradients and two AdamW moments: 16 bytes a parameter.
  EXPECT_EQ(rows["meta-llama/Llama-2-7b-hf"]["full"]["verdict"], "no");
  EXPECT_GT(rows["meta-llama/Llama-2-7b-hf"]["full"]["checkpointing_bytes"].get<int64_t>(), 16 * 6738415616);
  // The QLoRA paper's claim: a 65B-70B model fine-tunes on one 48 GB GPU.
  EXPECT_NE(rows["meta-llama/Llama-2-70b-hf"]["qlora"]["verdict"], "no");
  EXPECT_EQ(rows["meta-llama/Llama-2-70b-hf"]["lora"]["verdict"], "no");  // 129 GiB of bf16 weights
  auto text = testing::run_command(cli() + " models --gpu 4090");
  ASSERT_EQ(text.status, 0) << text.output;
  EXPECT_NE(text.output.find("mistralai/Mixtral-8x7B-v0.1"), std::string::npos) << text.output;
}

}  // namespace
}  // namespace llmcp::cli
