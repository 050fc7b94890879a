// Training job records in SQLite (WAL mode), so a restarted server still lists every job and
// knows which process ran it. Several servers may share a workspace: claiming a queued job is
// one conditional UPDATE, so only one of them starts it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

struct sqlite3;

namespace llmcp::mcp {

enum class JobStatus { kQueued, kRunning, kCompleted, kFailed, kCancelled, kInterrupted };
const char* job_status_name(JobStatus s);
JobStatus parse_job_status(const std::string& s);
bool job_finished(JobStatus s);  // completed, failed, cancelled or interrupted

struct JobRecord {
  std::string id;  // "job-<seq>"
  int64_t seq = 0;
  JobStatus status = JobStatus::kQueued;
  std::string name;        // the run's name (its adapter's name)
  std::string job_dir;     // config.json, train.log, result.json, error.json
  std::string output_dir;  // the trainer's output_dir (adapter, checkpoints, metrics.jsonl)
  nlohmann::json config;   // the resolved training config
  int64_t pid = 0;
  int64_t pid_start = 0;   // the process's start time (/proc/<pid>/stat), to recognise it later
  bool resume = false;     // start with --resume
  int64_t processes = 1;   // data-parallel ranks (train --nproc-per-node), supervised as one job
  bool cancel_requested = false;
  double created_at = 0, started_at = 0, finished_at = 0;  // unix seconds; 0 = not yet
  std::string error;
  nlohmann::json result;   // the trainer's summary when it finished
};

class JobStore {
 public:
  explicit JobStore(const std::filesystem::path& db_path);
  ~JobStore();
  JobStore(const JobStore&) = delete;
  JobStore& operator=(const JobStore&) = delete;

  // Assigns seq and id, then runs `prepare` (which may fill in fields, write the job's folder)
  // inside the same transaction, so no one can claim a job that is not ready. Refused when a
  // queued or running job already has the same output_dir.
  JobRecord insert(JobRecord record, const std::function<void(JobRecord&)>& prepare = {});
  void update(const JobRecord& record);
  // queued -> running for exactly one caller; false when someone else got it.
  bool claim(const std::string& id);
  std::optional<JobRecord> get(const std::string& id);
  std::vector<JobRecord> list();  // oldest first

 private:
  void exec(const std::string& sql);
  sqlite3* db_ = nullptr;
  std::mutex mu_;
};

}  // namespace llmcp::mcp
