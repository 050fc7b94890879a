// CallContext; see call_context.h.
#include "mcp/call_context.h"

namespace llmcp::mcp {

namespace {
constexpr const char* kRelatedTask = "io.modelcontextprotocol/related-task";
}

CallContext::CallContext(std::shared_ptr<Session> session, Json progress_token, std::shared_ptr<RequestState> state,
                         Sink related)
    : session_(std::move(session)),
      progress_token_(std::move(progress_token)),
      state_(state ? std::move(state) : std::make_shared<RequestState>()),
      related_(std::move(related)) {}

Sink CallContext::route(Json& params) {
  std::lock_guard lock(mu_);
  if (!task_id_) return related_;
  params["_meta"][kRelatedTask] = {{"taskId", *task_id_}};
  auto s = session_;
  return [s](const Json& m) { return s->send_standalone(m); };
}

bool CallContext::send(Json message) {
  Sink sink = route(message["params"]);
  return sink && sink(message);
}

void CallContext::progress(double progress, std::optional<double> total, const std::string& message) {
  if (progress_token_.is_null()) return;
  {
    std::lock_guard lock(mu_);
    if (last_progress_ && progress <= *last_progress_) return;
    last_progress_ = progress;
  }
  Json p{{"progressToken", progress_token_}, {"progress", progress}};
  if (total) p["total"] = *total;
  if (!message.empty()) p["message"] = message;
  send(make_notification("notifications/progress", std::move(p)));
}

void CallContext::log(LogLevel level, const Json& data, const std::string& logger) {
  if (!session_->logs(level)) return;
  send(make_notification("notifications/message", {{"level", log_level_name(level)}, {"logger", logger}, {"data", data}}));
}

Json CallContext::request_client(const std::string& method, Json params, std::chrono::milliseconds timeout) {
  Sink sink = route(params);
  return session_->request_client(method, std::move(params), sink, timeout, state_.get());
}

void CallContext::run_as_task(const std::string& task_id, std::function<void(const std::string&)> on_status) {
  std::lock_guard lock(mu_);
  task_id_ = task_id;
  on_status_ = std::move(on_status);
}

void CallContext::status(const std::string& message) {
  std::function<void(const std::string&)> f;
  {
    std::lock_guard lock(mu_);
    f = on_status_;
  }
  if (f) f(message);
}

}  // namespace llmcp::mcp
