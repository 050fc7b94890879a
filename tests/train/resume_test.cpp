// Resume equivalence through the real CLI: a 20-step run versus a run killed with SIGKILL at a
// random moment after its step-10 checkpoint and then resumed with --resume. The loss of every
// step (dropout on, so the RNG state matters) and the final adapter must be identical, and
// neither run may leave a partial checkpoint behind.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "io/safetensors.h"
#include "model/tensor_view.h"
#include "trainer_test_util.h"

extern char** environ;

namespace llmcp::train {
namespace {

std::map<int64_t, double> losses(const std::filesystem::path& metrics) {
  std::map<int64_t, double> out;
  std::ifstream in(metrics);
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains("loss")) out[j["step"].get<int64_t>()] = j["loss"].get<double>();
  }
  return out;
}

void expect_no_partial_files(const std::filesystem::path& dir) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    const auto name = e.path().filename().string();
    EXPECT_FALSE(name.ends_with(".tmp")) << e.path();
    EXPECT_EQ(name.find(".tmp."), std::string::npos) << e.path();  // AtomicFile's temporaries
  }
}

TEST(ResumeTest, KilledAndResumedRunEqualsUninterruptedRun) {
  const char* cli = std::getenv("LLMCP_CLI");
  ASSERT_NE(cli, nullptr) << "run through ctest (LLMCP_CLI names the llm-mcp binary)";
  llmcp::testing::TempDir dir;
  testing::make_model(dir / "m");
  testing::write_instruction_data(dir / "d.jsonl", 40);
  for (const char* run : {"a", "b"}) {
    auto c = testing::config(dir, run);
    c["max_steps"] = 20;
    c["save_steps"] = 10;
    c["batch_size"] = 2;
    c["lora_dropout"] = 0.1;
    c["learning_rate"] = 5e-3;
    std::ofstream(dir / (std::string(run) + ".yaml")) << c.dump();
  }
  auto a = llmcp::testing::run_command(std::string(cli) + " train " + (dir / "a.yaml").string());
  ASSERT_EQ(a.status, 0) << a.output;

  const std::string cfg_b = (dir / "b.yaml").string();
  std::vector<char*> argv = {const_cast<char*>(cli), const_cast<char*>("train"), const_cast<char*>(cfg_b.c_str()), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, cli, nullptr, nullptr, argv.data(), environ), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!std::filesystem::exists(dir / "b" / "checkpoint-10") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ASSERT_TRUE(std::filesystem::exists(dir / "b" / "checkpoint-10"));
  std::random_device rd;
  const int delay_ms = static_cast<int>(rd() % 300);
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const auto killed_at = losses(dir / "b" / "metrics.jsonl").size();
  auto b = llmcp::testing::run_command(std::string(cli) + " train " + cfg_b + " --resume");
  ASSERT_EQ(b.status, 0) << b.output;

  auto la = losses(dir / "a" / "metrics.jsonl"), lb = losses(dir / "b" / "metrics.jsonl");
  ASSERT_EQ(la.size(), 20u);
  ASSERT_EQ(lb.size(), 20u) << "killed after " << delay_ms << " ms at " << killed_at << " logged steps";
  for (const auto& [step, loss] : la) EXPECT_EQ(loss, lb[step]) << "step " << step << " (killed " << delay_ms << " ms after checkpoint-10)";
  auto fa = io::SafetensorsFile::open(dir / "a" / "adapter_model.safetensors");
  auto fb = io::SafetensorsFile::open(dir / "b" / "adapter_model.safetensors");
  for (const auto& v : fa->tensors())
    EXPECT_TRUE(model::tensor_from_view(v, at::kFloat, at::kCPU).equal(model::tensor_from_view(fb->at(v.name), at::kFloat, at::kCPU)))
        << v.name;
  expect_no_partial_files(dir / "a");
  expect_no_partial_files(dir / "b");
}

}  // namespace
}  // namespace llmcp::train
