// Training jobs as real child processes (`llm-mcp train --job-dir`) on the demo base model:
// a SIGKILL mid-step leaves the job interrupted and resumable from its checkpoint, cancel stops
// after a checkpoint, a restarted supervisor adopts a running job and marks one that died while
// nobody watched, the queue runs jobs in order, and a failing run reports its error.
#include "mcp/jobs/supervisor.h"
#include "mcp/jobs/job_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "core/error.h"
#include "test_util.h"

namespace llmcp::mcp {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() {
    std::ifstream in(testing::source_dir() / "examples/data/tool_calls_train.jsonl");
    std::ofstream out(tmp_ / "train.jsonl");
    std::string line;
    for (int i = 0; i < 300 && std::getline(in, line); ++i) out << line << "\n";
    fs::create_directories(tmp_ / "jobs");
  }
  SupervisorOptions options(size_t max_concurrent = 1) {
    const char* cli = std::getenv("LLMCP_CLI");
    if (!cli) throw std::runtime_error("LLMCP_CLI is not set: run through ctest");
    return {tmp_ / "jobs", cli, max_concurrent, 100ms, {tmp_.path()}};
  }
  nlohmann::json config(const std::string& name, int64_t max_steps, int64_t save_steps) {
    return {{"model", (testing::source_dir() / "examples/demo-base").string()},
            {"dataset", (tmp_ / "train.jsonl").string()},
            {"output_dir", (tmp_ / "out" / name).string()},
            {"max_steps", max_steps},
            {"save_steps", save_steps},
            {"logging_steps", 1},
            {"batch_size", 8},
            {"learning_rate", 1e-3},
            {"save_total_limit", 10}};
  }
  // Waits until `pred(job, progress)` holds (or fails the test after `timeout`).
  JobRecord wait_until(Supervisor& s, const std::string& id,
                       const std::function<bool(const JobRecord&, const JobProgress&)>& pred,
                       std::chrono::seconds timeout = 120s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto job = s.get(id);
      if (pred(job, s.progress(id))) return job;
      std::this_thread::sleep_for(50ms);
    }
    ADD_FAILURE() << "timed out waiting for " << id << " (status " << job_status_name(s.get(id).status) << ": "
                  << s.get(id).error << ")";
    return s.get(id);
  }
  static int64_t step_of(const JobProgress& p) { return p.last.is_object() ? p.last.value("step", int64_t{0}) : 0; }
  testing::TempDir tmp_;
};

TEST_F(SupervisorTest, KilledMidRunIsInterruptedAndResumesFromItsCheckpoint) {
  Supervisor s(options());
  auto job = s.submit(config("killed", 30, 5), "killed");
  job = wait_until(s, job.id, [](auto& j, auto& p) { return j.status == JobStatus::kRunning && step_of(p) >= 12; });
  ASSERT_GT(job.pid, 0);
  ::kill(static_cast<pid_t>(job.pid), SIGKILL);
  job = wait_until(s, job.id, [](auto& j, auto&) { return job_finished(j.status); });
  EXPECT_EQ(job.status, JobStatus::kInterrupted);
  EXPECT_NE(job.error.find("signal 9"), std::string::npos) << job.error;
  const auto ckpt = s.progress(job.id).last_checkpoint;
  ASSERT_FALSE(ckpt.empty());
  const int64_t saved = std::stoll(fs::path(ckpt).filename().string().substr(11));
  EXPECT_GE(saved, 10);
  EXPECT_NE(job.error.find(fs::path(ckpt).filename().string()), std::string::npos) << job.error;

  job = s.resume(job.id);
  EXPECT_EQ(job.status, JobStatus::kQueued);
  EXPECT_TRUE(job.resume);
  job = wait_until(s, job.id, [](auto& j, auto&) { return job_finished(j.status); });
  ASSERT_EQ(job.status, JobStatus::kCompleted) << job.error;
  EXPECT_EQ(job.result["steps"], 30);
  EXPECT_EQ(job.result["stop_reason"], "max_steps");
  // The resumed run logged the steps after the checkpoint again, and nothing before it twice.
  auto p = s.progress(job.id);
  EXPECT_EQ(p.loss.back().first, 30);
  for (size_t i = 1; i < p.loss.size(); ++i) EXPECT_EQ(p.loss[i].first, p.loss[i - 1].first + 1);
  EXPECT_TRUE(fs::exists(fs::path(job.output_dir) / "adapter_model.safetensors"));
}

TEST_F(SupervisorTest, CancelStopsAfterACheckpoint) {
  Supervisor s(options());
  auto job = s.submit(config("cancelled", 500, 0), "cancelled");
  wait_until(s, job.id, [](auto& j, auto& p) { return j.status == JobStatus::kRunning && step_of(p) >= 3; });
  s.cancel(job.id);
  job = wait_until(s, job.id, [](auto& j, auto&) { return job_finished(j.status); });
  EXPECT_EQ(job.status, JobStatus::kCancelled) << job.error;
  EXPECT_EQ(job.result["stop_reason"], "stopped");
  const auto steps = job.result["steps"].get<int64_t>();
  EXPECT_LT(steps, 500);
  EXPECT_TRUE(fs::exists(fs::path(job.output_dir) / ("checkpoint-" + std::to_string(steps))));
  EXPECT_THROW(s.cancel(job.id), core::Error);  // finished jobs cannot be cancelled
}

TEST_F(SupervisorTest, ARestartedSupervisorAdoptsRunningJobsAndMarksDeadOnes) {
  std::string running_id, dead_id;
  int64_t dead_pid = 0;
  {
    Supervisor s(options(2));
    running_id = s.submit(config("adopted", 25, 0), "adopted").id;
    dead_id = s.submit(config("dead", 500, 0), "dead").id;
    wait_until(s, running_id, [](auto& j, auto& p) { return j.status == JobStatus::kRunning && step_of(p) >= 1; });
    dead_pid = wait_until(s, dead_id, [](auto& j, auto& p) { return j.status == JobStatus::kRunning && step_of(p) >= 1; }).pid;
  }  // the supervisor goes away; its children keep running
  ::kill(static_cast<pid_t>(dead_pid), SIGKILL);
  for (int i = 0; i < 100 && ::kill(static_cast<pid_t>(dead_pid), 0) == 0; ++i) std::this_thread::sleep_for(20ms);
  Supervisor s(options(2));
  auto dead = s.get(dead_id);
  EXPECT_EQ(dead.status, JobStatus::kInterrupted);
  EXPECT_NE(dead.error.find("while no server watched it"), std::string::npos) << dead.error;
  auto job = wait_until(s, running_id, [](auto& j, auto&) { return job_finished(j.status); });
  EXPECT_EQ(job.status, JobStatus::kCompleted) << job.error;
  EXPECT_EQ(job.result["steps"], 25);
}

TEST_F(SupervisorTest, QueuedJobsStartInOrderWithinTheLimit) {
  Supervisor s(options(1));
  auto a = s.submit(config("a", 3, 0), "a");
  auto b = s.submit(config("b", 3, 0), "b");
  EXPECT_EQ(s.get(b.id).status, JobStatus::kQueued);
  b = wait_until(s, b.id, [](auto& j, auto&) { return job_finished(j.status); });
  a = s.get(a.id);
  ASSERT_EQ(a.status, JobStatus::kCompleted) << a.error;
  ASSERT_EQ(b.status, JobStatus::kCompleted) << b.error;
  EXPECT_GE(b.started_at, a.finished_at - 0.5);  // b waited for a (0.5 s: the poll interval's slack)
  auto list = s.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, a.id);
}

TEST_F(SupervisorTest, AFailingRunReportsItsError) {
  Supervisor s(options());
  auto c = config("broken", 3, 0);
  c["dataset"] = (tmp_ / "missing.jsonl").string();
  auto job = s.submit(c, "broken");
  job = wait_until(s, job.id, [](auto& j, auto&) { return job_finished(j.status); });
  EXPECT_EQ(job.status, JobStatus::kFailed);
  EXPECT_NE(job.error.find("missing.jsonl"), std::string::npos) << job.error;
  EXPECT_THROW(s.get("job-999"), core::Error);
}

}  // namespace
}  // namespace llmcp::mcp

namespace llmcp::mcp {
namespace {

// A job store written before jobs had a process count gains the column; its jobs read as one
// process, new ones keep theirs.
TEST(JobStoreTest, AnOlderStoreGainsTheProcessCount) {
  testing::TempDir dir;
  const auto db = dir.path() / "jobs.sqlite";
  {
    sqlite3* h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    const char* sql =
        "CREATE TABLE jobs (id TEXT PRIMARY KEY, seq INTEGER UNIQUE, status TEXT, name TEXT, job_dir TEXT, "
        "output_dir TEXT, config TEXT, pid INTEGER, pid_start INTEGER, resume INTEGER, cancel_requested INTEGER, "
        "created_at REAL, started_at REAL, finished_at REAL, error TEXT, result TEXT);"
        "INSERT INTO jobs VALUES ('job-1', 1, 'completed', 'old', '/j', '/o', '{}', 0, 0, 0, 0, 1, 2, 3, '', 'null');";
    ASSERT_EQ(sqlite3_exec(h, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
  }
  JobStore store(db);
  auto jobs = store.list();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].name, "old");
  EXPECT_EQ(jobs[0].processes, 1);
  JobRecord r;
  r.name = "new";
  r.processes = 3;
  store.insert(r, {});
  jobs = store.list();
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[1].processes, 3);
  jobs[1].processes = 2;
  store.update(jobs[1]);
  EXPECT_EQ(JobStore(db).list()[1].processes, 2);  // and a second opening does not add it again
}

}  // namespace
}  // namespace llmcp::mcp
