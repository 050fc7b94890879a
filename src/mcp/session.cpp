// Session state; see session.h.
#include "mcp/session.h"

#include <array>

namespace llmcp::mcp {
namespace {
constexpr std::array<const char*, 8> kLevelNames = {"debug",    "info",  "notice", "warning",
                                                    "error",    "critical", "alert", "emergency"};
}

std::optional<LogLevel> parse_log_level(const std::string& name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i)
    if (name == kLevelNames[i]) return static_cast<LogLevel>(i);
  return std::nullopt;
}

const char* log_level_name(LogLevel level) { return kLevelNames[static_cast<size_t>(level)]; }

Session::Session(std::string id) : id_(std::move(id)) {}

void Session::set_initialized(std::string protocol_version, Json client_capabilities, Json client_info) {
  std::lock_guard lock(mu_);
  protocol_version_ = std::move(protocol_version);
  client_capabilities_ = std::move(client_capabilities);
  client_info_ = std::move(client_info);
  initialized_.store(true);
}

std::string Session::protocol_version() const {
  std::lock_guard lock(mu_);
  return protocol_version_;
}

Json Session::client_capabilities() const {
  std::lock_guard lock(mu_);
  return client_capabilities_;
}

void Session::set_standalone(Sink sink) {
  std::lock_guard lock(mu_);
  standalone_ = std::move(sink);
}

bool Session::send_standalone(const Json& message) {
  Sink s;
  {
    std::lock_guard lock(mu_);
    s = standalone_;
  }
  return s && s(message);
}

std::shared_ptr<RequestState> Session::begin_request(const Json& id) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = in_flight_.try_emplace(id_key(id), nullptr);
  if (!inserted) return nullptr;
  it->second = std::make_shared<RequestState>();
  return it->second;
}

void Session::end_request(const Json& id) {
  std::lock_guard lock(mu_);
  in_flight_.erase(id_key(id));
}

void Session::cancel_request(const Json& id) {
  {
    std::lock_guard lock(mu_);
    auto it = in_flight_.find(id_key(id));
    if (it == in_flight_.end()) return;  // finished already, or never existed: ignored, as the spec says
    it->second->cancelled.store(true);
  }
  cv_.notify_all();
}

void Session::cancel_all() {
  {
    std::lock_guard lock(mu_);
    for (auto& [k, s] : in_flight_) s->cancelled.store(true);
  }
  cv_.notify_all();
}

Json Session::request_client(const std::string& method, Json params, const Sink& via,
                             std::chrono::milliseconds timeout, const RequestState* waiter) {
  const std::string capability = method.substr(0, method.find('/'));
  if (!client_capabilities().contains(capability))
    throw RpcError(kInvalidRequest, "the client did not declare the '" + capability + "' capability");
  auto pending = std::make_shared<Pending>();
  Json id;
  {
    std::lock_guard lock(mu_);
    id = "srv-" + std::to_string(++next_request_id_);
    pending_[id_key(id)] = pending;
  }
  auto forget = [&] {
    std::lock_guard lock(mu_);
    pending_.erase(id_key(id));
  };
  if (!via || !via(make_request(id, method, std::move(params)))) {
    forget();
    throw RpcError(kInternalError, "the client's stream is closed; cannot send " + method);
  }
  std::unique_lock lock(mu_);
  const bool answered = cv_.wait_for(lock, timeout, [&] {
    return pending->done || (waiter && waiter->cancelled.load());
  });
  pending_.erase(id_key(id));
  if (!pending->done) {
    lock.unlock();
    throw RpcError(kInternalError, answered ? "the request was cancelled while waiting for the client"
                                            : "the client did not answer " + method + " in time");
  }
  return pending->response;
}

bool Session::deliver_response(const Message& response) {
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id_key(response.id));
    if (it == pending_.end()) return false;
    it->second->done = true;
    it->second->response = response.error.is_null() ? Json{{"result", response.result}} : Json{{"error", response.error}};
  }
  cv_.notify_all();
  return true;
}

void Session::subscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_.insert(uri);
}

void Session::unsubscribe(const std::string& uri) {
  std::lock_guard lock(mu_);
  subscriptions_.erase(uri);
}

bool Session::subscribed(const std::string& uri) const {
  std::lock_guard lock(mu_);
  return subscriptions_.count(uri) > 0;
}

}  // namespace llmcp::mcp
