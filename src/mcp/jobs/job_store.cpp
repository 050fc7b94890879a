// JobStore on SQLite; see job_store.h.
#include "mcp/jobs/job_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace llmcp::mcp {
namespace {

constexpr const char* kStatusNames[] = {"queued", "running", "completed", "failed", "cancelled", "interrupted"};

// A prepared statement, finalized on scope exit.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    LLMCP_CHECK(sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK, kIo, "job store: ", sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& integer(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& real(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  bool step() {
    const int rc = sqlite3_step(s_);
    LLMCP_CHECK(rc == SQLITE_ROW || rc == SQLITE_DONE, kIo, "job store: ", sqlite3_errmsg(db_),
                " (is the disk full or the workspace read-only?)");
    return rc == SQLITE_ROW;
  }
  std::string col_text(int i) {
    auto p = sqlite3_column_text(s_, i);
    return p ? reinterpret_cast<const char*>(p) : "";
  }
  int64_t col_int(int i) { return sqlite3_column_int64(s_, i); }
  double col_real(int i) { return sqlite3_column_double(s_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

constexpr const char* kColumns =
    "id, seq, status, name, job_dir, output_dir, config, pid, pid_start, resume, cancel_requested, created_at, "
    "started_at, finished_at, error, result, processes";

JobRecord read_row(Stmt& s) {
  JobRecord r;
  r.id = s.col_text(0);
  r.seq = s.col_int(1);
  r.status = parse_job_status(s.col_text(2));
  r.name = s.col_text(3);
  r.job_dir = s.col_text(4);
  r.output_dir = s.col_text(5);
  r.config = nlohmann::json::parse(s.col_text(6), nullptr, false);
  r.pid = s.col_int(7);
  r.pid_start = s.col_int(8);
  r.resume = s.col_int(9) != 0;
  r.cancel_requested = s.col_int(10) != 0;
  r.created_at = s.col_real(11);
  r.started_at = s.col_real(12);
  r.finished_at = s.col_real(13);
  r.error = s.col_text(14);
  r.result = nlohmann::json::parse(s.col_text(15), nullptr, false);
  r.processes = std::max<int64_t>(1, s.col_int(16));
  if (r.result.is_discarded()) r.result = nullptr;
  if (r.config.is_discarded()) r.config = nullptr;
  return r;
}

}  // namespace

const char* job_status_name(JobStatus s) { return kStatusNames[static_cast<int>(s)]; }

JobStatus parse_job_status(const std::string& s) {
  for (int i = 0; i < 6; ++i)
    if (s == kStatusNames[i]) return static_cast<JobStatus>(i);
  return JobStatus::kInterrupted;
}

bool job_finished(JobStatus s) { return s != JobStatus::kQueued && s != JobStatus::kRunning; }

JobStore::JobStore(const std::filesystem::path& db_path) {
  if (sqlite3_open(db_path.c_str(), &db_) != SQLITE_OK) {
    const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    LLMCP_FAIL(kIo, "cannot open the job store ", db_path.string(), ": ", msg);
  }
  sqlite3_busy_timeout(db_, 5000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=NORMAL");
  exec(
      "CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, seq INTEGER UNIQUE, status TEXT, name TEXT, "
      "job_dir TEXT, output_dir TEXT, config TEXT, pid INTEGER, pid_start INTEGER, resume INTEGER, "
      "cancel_requested INTEGER, created_at REAL, started_at REAL, finished_at REAL, error TEXT, result TEXT, "
      "processes INTEGER DEFAULT 1)");
  // A store written before jobs had a process count gains the column (its jobs: one process).
  bool has_processes = false;
  {
    Stmt cols(db_, "PRAGMA table_info(jobs)");
    while (cols.step()) has_processes = has_processes || cols.col_text(1) == "processes";
  }
  if (!has_processes) exec("ALTER TABLE jobs ADD COLUMN processes INTEGER DEFAULT 1");
}

JobStore::~JobStore() { sqlite3_close(db_); }

void JobStore::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    const std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    LLMCP_FAIL(kIo, "job store: ", msg);
  }
}

JobRecord JobStore::insert(JobRecord r, const std::function<void(JobRecord&)>& prepare) {
  std::lock_guard lock(mu_);
  exec("BEGIN IMMEDIATE");
  try {
    Stmt max(db_, "SELECT COALESCE(MAX(seq), 0) FROM jobs");
    max.step();
    r.seq = max.col_int(0) + 1;
    r.id = "job-" + std::to_string(r.seq);
    if (prepare) prepare(r);
    if (!r.output_dir.empty()) {  // one active run per output folder
      Stmt busy(db_, "SELECT id FROM jobs WHERE output_dir = ? AND status IN ('queued', 'running')");
      busy.text(1, r.output_dir);
      LLMCP_CHECK(!busy.step(), kInvalidArgument, busy.col_text(0), " is already writing to ", r.output_dir,
                  "; choose another name (or output_dir), or cancel_job ", busy.col_text(0), " first");
    }
    Stmt s(db_, ("INSERT INTO jobs (" + std::string(kColumns) + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)").c_str());
    s.text(1, r.id).integer(2, r.seq).text(3, job_status_name(r.status)).text(4, r.name).text(5, r.job_dir);
    s.text(6, r.output_dir).text(7, r.config.dump()).integer(8, r.pid).integer(9, r.pid_start).integer(10, r.resume);
    s.integer(11, r.cancel_requested).real(12, r.created_at).real(13, r.started_at).real(14, r.finished_at);
    s.text(15, r.error).text(16, r.result.dump()).integer(17, r.processes);
    s.step();
    exec("COMMIT");
  } catch (...) {
    exec("ROLLBACK");
    throw;
  }
  return r;
}

void JobStore::update(const JobRecord& r) {
  std::lock_guard lock(mu_);
  Stmt s(db_,
         "UPDATE jobs SET status=?, name=?, job_dir=?, output_dir=?, config=?, pid=?, pid_start=?, resume=?, "
         "cancel_requested=?, created_at=?, started_at=?, finished_at=?, error=?, result=?, processes=? WHERE id=?");
  s.text(1, job_status_name(r.status)).text(2, r.name).text(3, r.job_dir).text(4, r.output_dir).text(5, r.config.dump());
  s.integer(6, r.pid).integer(7, r.pid_start).integer(8, r.resume).integer(9, r.cancel_requested);
  s.real(10, r.created_at).real(11, r.started_at).real(12, r.finished_at).text(13, r.error).text(14, r.result.dump());
  s.integer(15, r.processes).text(16, r.id);
  s.step();
}

bool JobStore::claim(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt s(db_, "UPDATE jobs SET status='running' WHERE id=? AND status='queued'");
  s.text(1, id);
  s.step();
  return sqlite3_changes(db_) == 1;
}

std::optional<JobRecord> JobStore::get(const std::string& id) {
  std::lock_guard lock(mu_);
  Stmt s(db_, ("SELECT " + std::string(kColumns) + " FROM jobs WHERE id=?").c_str());
  s.text(1, id);
  if (!s.step()) return std::nullopt;
  return read_row(s);
}

std::vector<JobRecord> JobStore::list() {
  std::lock_guard lock(mu_);
  Stmt s(db_, ("SELECT " + std::string(kColumns) + " FROM jobs ORDER BY seq").c_str());
  std::vector<JobRecord> out;
  while (s.step()) out.push_back(read_row(s));
  return out;
}

}  // namespace llmcp::mcp
