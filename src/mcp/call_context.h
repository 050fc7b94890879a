// What a tool, resource or prompt handler gets besides its arguments: cancellation, progress
// (only when the client asked for it, strictly increasing), log messages at the session's
// level, requests to the client, and the task it runs as, if any. Messages go on the request's
// own stream (HTTP: the POST's SSE stream) or, for a task, the session's standalone stream.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mcp/session.h"

namespace llmcp::mcp {

class CallContext {
 public:
  CallContext(std::shared_ptr<Session> session, Json progress_token, std::shared_ptr<RequestState> state, Sink related);

  Session& session() { return *session_; }
  bool cancelled() const { return state_->cancelled.load(); }
  bool shutting_down() const { return state_->shutdown.load(); }
  // For engine calls that poll a stop flag.
  const std::atomic<bool>* cancel_flag() const { return &state_->cancelled; }

  // notifications/progress; ignored without a progress token or when not above the last value.
  void progress(double progress, std::optional<double> total = std::nullopt, const std::string& message = "");
  bool wants_progress() const { return !progress_token_.is_null(); }
  // notifications/message when the session's level lets `level` through.
  void log(LogLevel level, const Json& data, const std::string& logger = "llm-mcp");
  // A server-to-client request (sampling/createMessage, elicitation/create) on the related stream.
  Json request_client(const std::string& method, Json params, std::chrono::milliseconds timeout);

  // Task mode: messages carry the related-task metadata and go on the standalone stream;
  // status messages become the task's statusMessage (tasks/get).
  void run_as_task(const std::string& task_id, std::function<void(const std::string&)> on_status = {});
  void status(const std::string& message);
  const std::optional<std::string>& task_id() const { return task_id_; }

 private:
  bool send(Json message);
  // Where a message goes: the request's stream, or for a task the session's (adding the
  // related-task metadata to `params`).
  Sink route(Json& params);
  std::shared_ptr<Session> session_;
  Json progress_token_;
  std::shared_ptr<RequestState> state_;
  Sink related_;
  std::optional<double> last_progress_;
  std::optional<std::string> task_id_;
  std::function<void(const std::string&)> on_status_;
  std::mutex mu_;
};

}  // namespace llmcp::mcp
