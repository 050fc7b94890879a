// `llm-mcp train` as users run it: from any directory, failing without leaving a folder, stopped
// by Ctrl-C after a checkpoint it tells how to resume, resumed with a changed setting (named),
// every key checked by --dry-run before anything loads; and generate --adapter.
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
std::string example(const char* name) { return src() + "/examples/" + name + ".yaml"; }

TEST(TrainRuns, ConfigPathsAreRelativeToTheConfigFile) {
  testing::TempDir dir;
  // The examples name demo-base and data/ next to themselves: they run from any directory.
  auto r = testing::run_command("cd " + dir.path().string() + " && " + cli() + " train " + example("lora") +
                                " --set max_steps=1 --set output_dir=" + (dir / "abs").string() + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(fs::exists(dir / "abs" / "adapter_config.json"));
  // A relative output_dir is taken from the config's folder too, not from where the command runs.
  fs::create_directories(dir / "cfg");
  std::ofstream(dir / "cfg" / "run.yaml") << "model: " << src() << "/examples/demo-base\n"
                                          << "dataset: " << src() << "/examples/data/text.jsonl\n"
                                          << "output_dir: out\nmax_steps: 1\n";
  auto rel = testing::run_command("cd / && " + cli() + " train " + (dir / "cfg" / "run.yaml").string() + " 2>&1");
  ASSERT_EQ(rel.status, 0) << rel.output;
  EXPECT_TRUE(fs::exists(dir / "cfg" / "out" / "adapter_config.json"));
}

TEST(TrainRuns, AFailedRunLeavesNoFolder) {
  testing::TempDir dir;
  std::ofstream(dir / "empty.jsonl") << "";
  for (const std::string& set : {"dataset=" + (dir / "empty.jsonl").string(), std::string("target_modules=[nonexistent_proj]")}) {
    const fs::path out = dir / "out";
    auto r = testing::run_command(cli() + " train " + example("lora") + " --set max_steps=1 --set output_dir=" +
                                  out.string() + " --set '" + set + "'");
    EXPECT_EQ(r.status, 1) << set << ": " << r.output;
    EXPECT_FALSE(fs::exists(out)) << set;
  }
}

TEST(TrainRuns, DryRunChecksEveryKeyAgainstTheModel) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--set bnb_4bit_quant_type=nf5", "quant type 'nf5' is unknown"},
      {"--set bnb_4bit_blocksize=7", "blocksize 7 is not supported"},
      {"--set seq_len=100000", "seq_len 100000 is longer than"},
      {"--set max_steps=-5", "'max_steps' must be at least 0"},
      {"--set save_steps=-3", "'save_steps' must be at least 0"},
      {"--set epochs=2 --set num_train_epochs=3", "name the same setting"},
  };
  for (const auto& [set, expect] : cases) {
    auto r = testing::run_command(cli() + " train " + example("qlora") + " --dry-run " + set);
    EXPECT_EQ(r.status, 1) << set << ": " << r.output;
    EXPECT_NE(r.output.find(expect), std::string::npos) << set << ": " << r.output;
  }
}

// Ctrl-C: the step finishes, a checkpoint is written, the message says how to resume (exit 130);
// resuming with a changed learning rate warns and names it.
TEST(TrainRuns, CtrlCWritesACheckpointAndResumeNamesChangedKeys) {
  testing::TempDir dir;
  const std::string out = (dir / "out").string();
  const std::string train = cli() + " train " + example("lora") + " --set save_steps=0 --set output_dir=" + out;
  auto r = testing::run_command(train + " --set max_steps=100000 > " + (dir / "stdout").string() + " 2> " +
                                (dir / "stderr").string() + " & pid=$!; for i in $(seq 1 600); do [ -s " + out +
                                "/metrics.jsonl ] && break; sleep 0.1; done; kill -INT $pid; wait $pid; echo rc=$?");
  EXPECT_NE(r.output.find("rc=130"), std::string::npos) << r.output << testing::run_command("cat " + (dir / "stderr").string()).output;
  const auto err = testing::run_command("cat " + (dir / "stderr").string()).output;
  EXPECT_NE(err.find("stopping after this step"), std::string::npos) << err;
  EXPECT_NE(err.find("--resume"), std::string::npos) << err;
  auto result = nlohmann::json::parse(testing::run_command("cat " + (dir / "stdout").string()).output);
  EXPECT_EQ(result["stop_reason"], "stopped");
  const int64_t steps = result["steps"];
  EXPECT_TRUE(fs::exists(fs::path(out) / ("checkpoint-" + std::to_string(steps)))) << steps;

  auto resumed = testing::run_command(train + " --resume --set max_steps=" + std::to_string(steps + 1) +
                                      " --set learning_rate=0.5 2>&1");
  ASSERT_EQ(resumed.status, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming with a changed setting, learning_rate: 0.0002 -> 0.5"), std::string::npos)
      << resumed.output;
  EXPECT_NE(resumed.output.find("max_steps: 100000 -> " + std::to_string(steps + 1)), std::string::npos) << resumed.output;
}

// generate --adapter applies a PEFT adapter as merging it would.
TEST(TrainRuns, GenerateTakesAnAdapter) {
  testing::TempDir dir;
  const std::string base = src() + "/examples/demo-base", adapter = (dir / "a").string(), merged = (dir / "m").string();
  auto t = testing::run_command(cli() + " train " + example("lora") + " --set max_steps=10 --set learning_rate=0.01 "
                                "--set target_modules=all-linear --set output_dir=" + adapter + " 2>&1");
  ASSERT_EQ(t.status, 0) << t.output;
  ASSERT_EQ(testing::run_command(cli() + " merge --model " + base + " --adapter " + adapter + " --out " + merged).status, 0);
  const std::string prompt = " --prompt 'Hello, can you start a 44 minute timer?' --max-new-tokens 20 --temperature 0 2>/dev/null";
  auto with = testing::run_command(cli() + " generate --model " + base + " --adapter " + adapter + prompt);
  auto via_merge = testing::run_command(cli() + " generate --model " + merged + prompt);
  auto plain = testing::run_command(cli() + " generate --model " + base + prompt);
  ASSERT_EQ(with.status, 0) << with.output;
  EXPECT_EQ(with.output, via_merge.output);
  EXPECT_NE(with.output, plain.output);
  auto wrong = testing::run_command(cli() + " generate --model " + base + " --adapter " + base + prompt);
  EXPECT_EQ(wrong.status, 1);
}

}  // namespace
}  // namespace llmcp::cli
