// Tasks (MCP 2025-11-25): a tools/call with params.task returns a task at once and runs in the
// background; the client polls tasks/get, fetches tasks/result (which waits), lists and cancels.
// Tasks live in memory for their ttl; training jobs themselves persist in the job store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/session.h"

namespace llmcp::mcp {

enum class TaskStatus { kWorking, kInputRequired, kCompleted, kFailed, kCancelled };
const char* task_status_name(TaskStatus s);

class TaskStore {
 public:
  // Called with the task's JSON whenever its status changes (notifications/tasks/status).
  using StatusListener = std::function<void(const std::string& session_id, const Json& task)>;
  explicit TaskStore(StatusListener on_status = {});

  // A new working task owned by `session_id`; `state` is what cancellation flips.
  Json create(const std::string& session_id, std::optional<int64_t> ttl_ms, std::shared_ptr<RequestState> state);
  // The outcome of the work: a result object or a JSON-RPC error object. A cancelled task
  // keeps its status and ignores the late outcome.
  void finish(const std::string& task_id, std::optional<Json> result, std::optional<Json> error);
  void set_message(const std::string& task_id, const std::string& message);

  // Each throws RpcError(-32602) for an unknown task (or one of another session).
  Json get(const std::string& session_id, const std::string& task_id);
  // Waits until the task is terminal; {"result": ...} or {"error": ...}.
  Json wait_result(const std::string& session_id, const std::string& task_id, const RequestState* waiter);
  std::vector<Json> list(const std::string& session_id);
  Json cancel(const std::string& session_id, const std::string& task_id);
  void cancel_all();  // at shutdown: flips every running task's cancellation (and shutdown) state

 private:
  struct Entry {
    std::string session;
    Json task;
    std::optional<Json> result, error;
    std::shared_ptr<RequestState> state;
    std::chrono::steady_clock::time_point expires;
    bool expiring = false;
  };
  Entry& find(const std::string& session_id, const std::string& task_id);  // mu_ held
  void purge();                                                            // mu_ held
  void set_status(Entry& e, TaskStatus s, const std::string& message);     // mu_ held
  StatusListener on_status_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Entry> tasks_;
  std::vector<std::string> order_;
  int64_t counter_ = 0;
};

}  // namespace llmcp::mcp
