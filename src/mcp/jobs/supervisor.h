// Training jobs as supervised child processes (`llm-mcp train CONFIG --job-dir DIR`): queued in
// order, started while fewer than max_concurrent run, followed through their metrics.jsonl,
// reaped when they exit. A crash or out-of-memory kill of a child never reaches the server: the
// job becomes `interrupted` and resume_job continues it from its last checkpoint. Children run
// in their own session and outlive the server; a restarted server adopts the ones still running
// and marks those that died while it was away.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "mcp/jobs/job_store.h"

namespace llmcp::mcp {

// A run's checkpoint folders in its output_dir (checkpoint-<step>; not checkpoint-<step>.tmp, one
// being written), oldest first.
std::vector<std::pair<int64_t, std::filesystem::path>> list_checkpoints(const std::string& output_dir);

struct JobProgress {
  nlohmann::json last = nullptr;  // the newest step record of metrics.jsonl
  std::vector<std::pair<int64_t, double>> loss;       // (step, training loss)
  std::vector<std::pair<int64_t, double>> eval_loss;  // (step, evaluation loss)
  std::string last_checkpoint;                        // newest complete checkpoint folder
};

struct SupervisorOptions {
  std::filesystem::path jobs_dir;    // one folder per job
  std::filesystem::path executable;  // the llm-mcp binary run as `train`
  size_t max_concurrent = 1;
  std::chrono::milliseconds poll{250};
  // Folders a child may write (`train --confine-to`): it checks its output folder against them
  // again right before writing, so a symlink placed after validation cannot redirect it.
  std::vector<std::filesystem::path> write_roots;
};

class Supervisor {
 public:
  // Called (on the monitor thread) when a job's status or progress changed.
  using Listener = std::function<void(const JobRecord&)>;
  Supervisor(SupervisorOptions options, Listener on_change = {});
  ~Supervisor();  // stops watching; running children keep running

  // Queues a run of `config` (a resolved training config). `prepare` runs once the job id is
  // assigned, inside the store's transaction: it may name the run after the id and set
  // output_dir (config and record). Refused when an active job already writes that output_dir.
  JobRecord submit(const nlohmann::json& config, const std::string& name,
                   const std::function<void(JobRecord&)>& prepare = {});
  // queued: cancelled at once. running: SIGTERM, the child writes a checkpoint then stops
  // (force: SIGKILL, no checkpoint). Finished jobs: an error.
  JobRecord cancel(const std::string& id, bool force = false);
  // interrupted, cancelled or failed: queued again, continuing from the newest checkpoint.
  JobRecord resume(const std::string& id);
  JobRecord get(const std::string& id);  // throws kNotFound
  std::vector<JobRecord> list();
  JobProgress progress(const std::string& id);
  // Blocks until the job finished, `stop` is set or `deadline` passed; on_change runs after
  // each change.
  JobRecord wait(const std::string& id, const std::atomic<bool>* stop, std::chrono::steady_clock::time_point deadline,
                 const std::function<void(const JobRecord&, const JobProgress&)>& on_change);
  // One monitoring pass (the monitor thread calls it; tests may too).
  void poll();

 private:
  void adopt_or_mark();
  void start(JobRecord& job);
  bool alive(const JobRecord& job, int* wait_status);
  void finish(JobRecord& job, int wait_status);
  void read_metrics(const JobRecord& job);  // mu_ held
  void notify(const JobRecord& job);

  SupervisorOptions opt_;
  Listener on_change_;
  JobStore store_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::set<int64_t> children_;  // pids this process started (waitpid works on them)
  struct Tail {
    uintmax_t offset = 0;
    JobProgress progress;
  };
  std::map<std::string, Tail> tails_;
  int64_t generation_ = 0;  // bumped on every change, for wait()
  std::atomic<bool> stopping_{false};
  std::thread monitor_;
};

}  // namespace llmcp::mcp
