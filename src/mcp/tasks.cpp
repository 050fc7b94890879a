// TaskStore; see tasks.h.
#include "mcp/tasks.h"

#include <algorithm>
#include <ctime>
#include <random>

namespace llmcp::mcp {
namespace {

std::string now_iso() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms));
  return out;
}

bool terminal(const Json& task) {
  const auto s = task["status"].get<std::string>();
  return s == "completed" || s == "failed" || s == "cancelled";
}

constexpr int64_t kDefaultTtlMs = 60 * 60 * 1000;
constexpr int64_t kMaxTtlMs = 24 * 60 * 60 * 1000;

}  // namespace

const char* task_status_name(TaskStatus s) {
  switch (s) {
    case TaskStatus::kWorking: return "working";
    case TaskStatus::kInputRequired: return "input_required";
    case TaskStatus::kCompleted: return "completed";
    case TaskStatus::kFailed: return "failed";
    case TaskStatus::kCancelled: return "cancelled";
  }
  return "working";
}

TaskStore::TaskStore(StatusListener on_status) : on_status_(std::move(on_status)) {}

Json TaskStore::create(const std::string& session_id, std::optional<int64_t> ttl_ms,
                       std::shared_ptr<RequestState> state) {
  std::lock_guard lock(mu_);
  purge();
  const int64_t ttl = std::clamp<int64_t>(ttl_ms.value_or(kDefaultTtlMs), 1000, kMaxTtlMs);
  std::random_device rd;
  const std::string id = "task-" + std::to_string(++counter_) + "-" + std::to_string(rd() % 1000000);
  const auto now = now_iso();
  Entry e;
  e.session = session_id;
  e.task = {{"taskId", id}, {"status", "working"}, {"createdAt", now}, {"lastUpdatedAt", now},
            {"ttl", ttl},   {"pollInterval", 1000}};
  e.state = std::move(state);
  e.expires = std::chrono::steady_clock::now() + std::chrono::milliseconds(ttl);
  tasks_[id] = e;
  order_.push_back(id);
  return e.task;
}

void TaskStore::set_status(Entry& e, TaskStatus s, const std::string& message) {
  e.task["status"] = task_status_name(s);
  e.task["lastUpdatedAt"] = now_iso();
  if (!message.empty()) e.task["statusMessage"] = message;
  if (on_status_) on_status_(e.session, e.task);
}

void TaskStore::finish(const std::string& task_id, std::optional<Json> result, std::optional<Json> error) {
  {
    std::lock_guard lock(mu_);
    auto it = tasks_.find(task_id);
    if (it == tasks_.end() || terminal(it->second.task)) return;
    auto& e = it->second;
    e.result = std::move(result);
    e.error = std::move(error);
    const bool failed = e.error || (e.result && e.result->value("isError", false));
    std::string message;
    if (e.error) message = (*e.error).value("message", "");
    set_status(e, failed ? TaskStatus::kFailed : TaskStatus::kCompleted, message);
  }
  cv_.notify_all();
}

void TaskStore::set_message(const std::string& task_id, const std::string& message) {
  std::lock_guard lock(mu_);
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || terminal(it->second.task)) return;
  it->second.task["statusMessage"] = message;
  it->second.task["lastUpdatedAt"] = now_iso();
}

TaskStore::Entry& TaskStore::find(const std::string& session_id, const std::string& task_id) {
  purge();
  auto it = tasks_.find(task_id);
  if (it == tasks_.end() || it->second.session != session_id)
    throw RpcError(kInvalidParams, "no task '" + task_id + "' (unknown, expired, or of another session)");
  return it->second;
}

void TaskStore::purge() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (it->second.expires < now && terminal(it->second.task)) {
      order_.erase(std::remove(order_.begin(), order_.end(), it->first), order_.end());
      it = tasks_.erase(it);
    } else {
      ++it;
    }
  }
}

Json TaskStore::get(const std::string& session_id, const std::string& task_id) {
  std::lock_guard lock(mu_);
  return find(session_id, task_id).task;
}

Json TaskStore::wait_result(const std::string& session_id, const std::string& task_id, const RequestState* waiter) {
  std::unique_lock lock(mu_);
  find(session_id, task_id);
  cv_.wait(lock, [&] {
    auto it = tasks_.find(task_id);
    return it == tasks_.end() || terminal(it->second.task) || (waiter && waiter->cancelled.load());
  });
  auto it = tasks_.find(task_id);
  if (it == tasks_.end()) throw RpcError(kInvalidParams, "task '" + task_id + "' expired");
  const auto& e = it->second;
  if (!terminal(e.task)) throw RpcError(kInternalError, "tasks/result was cancelled");
  if (e.error) return Json{{"error", *e.error}};
  if (e.result) return Json{{"result", *e.result}};
  return Json{{"error", {{"code", kInternalError}, {"message", "the task was cancelled before it finished"}}}};
}

std::vector<Json> TaskStore::list(const std::string& session_id) {
  std::lock_guard lock(mu_);
  purge();
  std::vector<Json> out;
  for (const auto& id : order_) {
    auto it = tasks_.find(id);
    if (it != tasks_.end() && it->second.session == session_id) out.push_back(it->second.task);
  }
  return out;
}

Json TaskStore::cancel(const std::string& session_id, const std::string& task_id) {
  Json task;
  {
    std::lock_guard lock(mu_);
    auto& e = find(session_id, task_id);
    if (terminal(e.task))
      throw RpcError(kInvalidParams, "task '" + task_id + "' is already " + e.task["status"].get<std::string>() +
                                         "; only working tasks can be cancelled");
    if (e.state) e.state->cancelled.store(true);
    set_status(e, TaskStatus::kCancelled, "cancelled by the client");
    task = e.task;
  }
  cv_.notify_all();
  return task;
}

void TaskStore::cancel_all() {
  {
    std::lock_guard lock(mu_);
    for (auto& [id, e] : tasks_)
      if (e.state) {
        e.state->shutdown.store(true);
        e.state->cancelled.store(true);
      }
  }
  cv_.notify_all();
}

}  // namespace llmcp::mcp
