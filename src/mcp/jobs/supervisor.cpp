// Supervisor; see supervisor.h.
#include "mcp/jobs/supervisor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/workspace.h"
#include "core/error.h"

namespace llmcp::mcp {
namespace fs = std::filesystem;
namespace {

// A port free on the loopback now, for a data-parallel job's rendezvous (rank 0 binds it a moment
// later; another process taking it meanwhile fails the job's start with a clear error).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 29500;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 29500;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); 0 when the process is gone
// or a zombie (dead, not yet reaped by its parent).
int64_t process_start(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(in, s)) return 0;
  const auto close = s.rfind(')');  // the command name may hold spaces and parentheses
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 3 && (field == "Z" || field == "X")) return 0;
    if (i == 22) return std::stoll(field);
  }
  return 0;
}

std::optional<nlohmann::json> read_json(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

std::string newest_checkpoint(const std::string& output_dir) {
  const auto all = list_checkpoints(output_dir);
  return all.empty() ? std::string() : all.back().second.string();
}

// The last `max_bytes` of a log, from a line start.
std::string log_tail(const fs::path& p, size_t max_bytes) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return "";
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) {
    s.erase(0, s.size() - max_bytes);
    const auto nl = s.find('\n');
    if (nl != std::string::npos) s.erase(0, nl + 1);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    std::string s = "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
    if (sig == SIGKILL) s += "; out of memory, or killed by hand";
    return s;
  }
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  return "ended";
}

}  // namespace

Supervisor::Supervisor(SupervisorOptions options, Listener on_change)
    : opt_(std::move(options)), on_change_(std::move(on_change)), store_(opt_.jobs_dir / "jobs.sqlite") {
  adopt_or_mark();
  monitor_ = std::thread([this] {
    while (!stopping_.load()) {
      try {
        poll();
      } catch (const std::exception&) {  // a bad job folder must not stop the monitor
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, opt_.poll, [&] { return stopping_.load(); });
    }
  });
}

Supervisor::~Supervisor() {
  stopping_.store(true);
  cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
}

// At start-up: running jobs whose process is gone ended while no server watched them.
void Supervisor::adopt_or_mark() {
  for (auto& job : store_.list()) {
    if (job.status != JobStatus::kRunning) continue;
    if (job.pid > 0 && process_start(job.pid) == job.pid_start && job.pid_start != 0) continue;  // adopted
    finish(job, -1);
  }
}

void Supervisor::notify(const JobRecord& job) {
  {
    std::lock_guard lock(mu_);
    ++generation_;
  }
  cv_.notify_all();
  if (on_change_) on_change_(job);
}

JobRecord Supervisor::submit(const nlohmann::json& config, const std::string& name,
                             const std::function<void(JobRecord&)>& prepare) {
  JobRecord r;
  r.name = name;
  r.config = config;
  r.output_dir = config.value("output_dir", "");
  r.created_at = now_seconds();
  r = store_.insert(r, [&](JobRecord& job) {  // ready before anyone can claim it
    if (prepare) prepare(job);
    job.job_dir = (opt_.jobs_dir / job.id).string();
    core::check_inside(job.job_dir, {opt_.jobs_dir});  // a symlink left there must not lead out
    fs::create_directories(job.job_dir);
    core::write_file_atomic(fs::path(job.job_dir) / "config.json", job.config.dump(2) + "\n");
  });
  notify(r);
  return r;
}

JobRecord Supervisor::get(const std::string& id) {
  auto r = store_.get(id);
  LLMCP_CHECK(r.has_value(), kNotFound, "no job '", id, "'; list_jobs shows the jobs of this workspace");
  return *r;
}

std::vector<JobRecord> Supervisor::list() { return store_.list(); }

JobRecord Supervisor::cancel(const std::string& id, bool force) {
  auto job = get(id);
  LLMCP_CHECK(!job_finished(job.status), kInvalidArgument, "job ", id, " is already ", job_status_name(job.status),
              "; only queued or running jobs can be cancelled");
  job.cancel_requested = true;
  if (job.status == JobStatus::kQueued) {
    job.status = JobStatus::kCancelled;
    job.finished_at = now_seconds();
  } else if (job.pid > 0 && process_start(job.pid) == job.pid_start) {
    ::kill(static_cast<pid_t>(job.pid), force ? SIGKILL : SIGTERM);
  }
  store_.update(job);
  notify(job);
  return job;
}

JobRecord Supervisor::resume(const std::string& id) {
  auto job = get(id);
  LLMCP_CHECK(job.status == JobStatus::kInterrupted || job.status == JobStatus::kCancelled ||
                  job.status == JobStatus::kFailed,
              kInvalidArgument, "job ", id, " is ", job_status_name(job.status),
              "; only interrupted, cancelled or failed jobs can be resumed");
  job.status = JobStatus::kQueued;
  job.resume = !newest_checkpoint(job.output_dir).empty();
  job.cancel_requested = false;
  job.error.clear();
  job.result = nullptr;
  job.pid = job.pid_start = 0;
  job.finished_at = 0;
  store_.update(job);
  notify(job);
  return job;
}

void Supervisor::start(JobRecord& job) {
  const std::string exe = opt_.executable.string();
  const std::string config = (fs::path(job.job_dir) / "config.json").string();
  std::vector<std::string> args = {exe, "train", config, "--job-dir", job.job_dir};
  if (job.resume) args.push_back("--resume");
  if (job.processes > 1) {  // the launcher is the job's process; it supervises the ranks
    args.insert(args.end(), {"--nproc-per-node", std::to_string(job.processes), "--master-port",
                             std::to_string(free_port())});
  }
  for (const auto& root : opt_.write_roots) args.insert(args.end(), {"--confine-to", root.string()});
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // Prepared before fork: the child may only make async-signal-safe calls.
  const std::string log = (fs::path(job.job_dir) / "train.log").string();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  std::error_code ec;
  fs::remove(fs::path(job.job_dir) / "result.json", ec);
  fs::remove(fs::path(job.job_dir) / "error.json", ec);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();  // its own session: the server's terminal signals and exit do not reach it
    if (log_fd >= 0) {
      ::dup2(log_fd, 1);
      ::dup2(log_fd, 2);
    }
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::close_range(3, ~0U, 0);  // no listening sockets or databases leak into the child
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (log_fd >= 0) ::close(log_fd);
  if (null_fd >= 0) ::close(null_fd);
  if (pid < 0) {
    job.status = JobStatus::kFailed;
    job.error = std::string("could not start the training process: ") + std::strerror(errno);
    job.finished_at = now_seconds();
    store_.update(job);
    return;
  }
  {
    std::lock_guard lock(mu_);
    children_.insert(pid);
    tails_.erase(job.id);
  }
  job.pid = pid;
  job.pid_start = process_start(pid);
  job.started_at = now_seconds();
  store_.update(job);
}

bool Supervisor::alive(const JobRecord& job, int* wait_status) {
  bool ours;
  {
    std::lock_guard lock(mu_);
    ours = children_.count(job.pid) > 0;
  }
  if (ours) {
    int status = 0;
    const pid_t r = ::waitpid(static_cast<pid_t>(job.pid), &status, WNOHANG);
    if (r == 0) return true;
    std::lock_guard lock(mu_);
    children_.erase(job.pid);
    *wait_status = r > 0 ? status : -1;
    return false;
  }
  if (job.pid > 0 && process_start(job.pid) == job.pid_start && job.pid_start != 0) return true;
  *wait_status = -1;  // not our child: its exit status is unknown
  return false;
}

void Supervisor::finish(JobRecord& job, int wait_status) {
  const fs::path dir(job.job_dir);
  job.finished_at = now_seconds();
  job.pid = job.pid_start = 0;
  if (auto result = read_json(dir / "result.json")) {
    job.result = *result;
    const bool stopped = result->value("stop_reason", "") == "stopped";
    job.status = !stopped ? JobStatus::kCompleted : job.cancel_requested ? JobStatus::kCancelled : JobStatus::kInterrupted;
  } else if (auto error = read_json(dir / "error.json")) {
    job.status = JobStatus::kFailed;
    job.error = error->value("message", "training failed");
  } else {
    job.status = job.cancel_requested ? JobStatus::kCancelled : JobStatus::kInterrupted;
    const std::string how = wait_status >= 0 ? "stopped (" + describe_exit(wait_status) + ")"
                                             : "ended while no server watched it";
    const std::string ckpt = newest_checkpoint(job.output_dir);
    job.error = "the training process " + how + " before finishing; " +
                (ckpt.empty() ? "there is no checkpoint yet, so resume_job starts it over"
                              : "resume_job continues from " + fs::path(ckpt).filename().string());
    const std::string log = log_tail(dir / "train.log", 600);
    if (!log.empty()) job.error += ". The end of its log:\n" + log;
  }
  store_.update(job);
}

void Supervisor::read_metrics(const JobRecord& job) {
  auto& tail = tails_[job.id];
  const fs::path path = fs::path(job.output_dir) / "metrics.jsonl";
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return;
  if (size < tail.offset) tail = {};  // truncated on resume: read again
  if (size == tail.offset) return;
  std::ifstream in(path);
  in.seekg(static_cast<std::streamoff>(tail.offset));
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a line still being written
    tail.offset += line.size() + 1;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("step")) continue;
    const int64_t step = j["step"].get<int64_t>();
    if (j.contains("loss") && j["loss"].is_number()) {
      tail.progress.last = j;
      tail.progress.loss.emplace_back(step, j["loss"].get<double>());
    }
    if (j.contains("eval_loss") && j["eval_loss"].is_number())
      tail.progress.eval_loss.emplace_back(step, j["eval_loss"].get<double>());
  }
  tail.progress.last_checkpoint = newest_checkpoint(job.output_dir);
}

JobProgress Supervisor::progress(const std::string& id) {
  auto job = get(id);
  std::lock_guard lock(mu_);
  read_metrics(job);
  return tails_[id].progress;
}

void Supervisor::poll() {
  auto jobs = store_.list();
  size_t running = 0;
  for (auto& job : jobs) {
    if (job.status != JobStatus::kRunning) continue;
    int status = 0;
    if (alive(job, &status)) {
      ++running;
      uintmax_t before, after;
      {
        std::lock_guard lock(mu_);
        before = tails_[job.id].offset;
        read_metrics(job);
        after = tails_[job.id].offset;
      }
      if (after != before) notify(job);
      continue;
    }
    {
      std::lock_guard lock(mu_);
      read_metrics(job);
    }
    finish(job, status);
    notify(job);
  }
  for (auto& job : jobs) {
    if (running >= opt_.max_concurrent) break;
    if (job.status != JobStatus::kQueued || !store_.claim(job.id)) continue;
    job.status = JobStatus::kRunning;
    start(job);
    if (job.status == JobStatus::kRunning) ++running;
    notify(job);
  }
}

JobRecord Supervisor::wait(const std::string& id, const std::atomic<bool>* stop,
                           std::chrono::steady_clock::time_point deadline,
                           const std::function<void(const JobRecord&, const JobProgress&)>& on_change) {
  int64_t seen = -1;
  for (;;) {
    auto job = get(id);
    if (on_change) on_change(job, progress(id));
    if (job_finished(job.status) || (stop && stop->load()) || std::chrono::steady_clock::now() >= deadline) return job;
    std::unique_lock lock(mu_);
    if (seen == generation_)
      cv_.wait_for(lock, std::chrono::milliseconds(500), [&] { return generation_ != seen || (stop && stop->load()); });
    seen = generation_;
  }
}

std::vector<std::pair<int64_t, fs::path>> list_checkpoints(const std::string& output_dir) {
  std::vector<std::pair<int64_t, fs::path>> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(output_dir, ec)) {
    const std::string n = e.path().filename().string();
    const std::string digits = n.rfind("checkpoint-", 0) == 0 ? n.substr(11) : "";
    if (digits.empty() || digits.size() > 15 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    out.emplace_back(std::stoll(digits), e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace llmcp::mcp
