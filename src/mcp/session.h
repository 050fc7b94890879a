// One client connection's state: the negotiated protocol version, log level, resource
// subscriptions, the requests in flight (so notifications/cancelled can stop them) and the
// requests the server sent to the client (sampling, elicitation) waiting for an answer.
// Shared by the dispatcher and the transports; every member is thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "mcp/jsonrpc.h"

namespace llmcp::mcp {

// Where outgoing messages go. Returns false when the stream is gone (client disconnected).
using Sink = std::function<bool(const Json&)>;

enum class LogLevel { kDebug, kInfo, kNotice, kWarning, kError, kCritical, kAlert, kEmergency };
std::optional<LogLevel> parse_log_level(const std::string& name);
const char* log_level_name(LogLevel level);

// What a running request can observe: whether it was cancelled, and whether by the server
// shutting down rather than by the client (a task following a training job then leaves the job
// running).
struct RequestState {
  std::atomic<bool> cancelled{false};
  std::atomic<bool> shutdown{false};
};

class Session {
 public:
  explicit Session(std::string id);
  const std::string& id() const { return id_; }

  void set_initialized(std::string protocol_version, Json client_capabilities, Json client_info);
  bool initialized() const { return initialized_.load(); }
  std::string protocol_version() const;
  Json client_capabilities() const;

  void set_log_level(LogLevel level) { log_level_.store(static_cast<int>(level)); }
  bool logs(LogLevel level) const { return static_cast<int>(level) >= log_level_.load(); }

  // The stream for messages not tied to a request (stdio: stdout; HTTP: the GET stream).
  void set_standalone(Sink sink);
  bool send_standalone(const Json& message);

  // In-flight requests. begin returns nullptr when the id is already in flight.
  std::shared_ptr<RequestState> begin_request(const Json& id);
  void end_request(const Json& id);
  void cancel_request(const Json& id);
  void cancel_all();

  // Sends a request to the client through `via` and waits for its response (result or
  // error object). Throws RpcError on timeout, on a cancelled wait or when the client lacks
  // `capability` (e.g. "sampling").
  Json request_client(const std::string& method, Json params, const Sink& via, std::chrono::milliseconds timeout,
                      const RequestState* waiter = nullptr);
  // A response from the client: true when it answered one of our requests.
  bool deliver_response(const Message& response);

  void subscribe(const std::string& uri);
  void unsubscribe(const std::string& uri);
  bool subscribed(const std::string& uri) const;

 private:
  struct Pending {
    bool done = false;
    Json response;
  };
  const std::string id_;
  std::atomic<bool> initialized_{false};
  std::atomic<int> log_level_{static_cast<int>(LogLevel::kInfo)};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string protocol_version_;
  Json client_capabilities_ = Json::object(), client_info_ = Json::object();
  Sink standalone_;
  std::map<std::string, std::shared_ptr<RequestState>> in_flight_;
  std::map<std::string, std::shared_ptr<Pending>> pending_;
  int64_t next_request_id_ = 0;
  std::set<std::string> subscriptions_;
};

}  // namespace llmcp::mcp
