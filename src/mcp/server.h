// The MCP dispatcher: lifecycle and version negotiation, then every method by name (tools,
// resources, prompts, completion, logging, tasks, ping). Transports hand it parsed messages and
// a sink for the request's related messages; it never sees sockets or file descriptors, and no
// message, however malformed, makes it throw.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/registry.h"
#include "mcp/session.h"
#include "mcp/tasks.h"
#include "mcp/worker_group.h"

namespace llmcp::mcp {

struct ServerOptions {
  std::string name = "llm-mcp";
  std::string version = "0.1.0";
  std::string instructions;
  size_t page_size = 100;  // items per page of the list methods
  std::chrono::milliseconds client_request_timeout{120000};
};

inline const std::vector<std::string>& supported_protocol_versions() {
  static const std::vector<std::string> v = {"2025-11-25", "2025-06-18", "2025-03-26"};
  return v;
}

class Server {
 public:
  explicit Server(ServerOptions options = {});
  ~Server();  // shutdown()
  // Cancels running tasks and waits for them: call before destroying what their tools use.
  void shutdown();
  Registry& registry() { return registry_; }
  const ServerOptions& options() const { return options_; }

  std::shared_ptr<Session> new_session(const std::string& id);
  void close_session(const std::string& id);

  // One incoming message. For a request, returns the response to send (nullopt when the
  // client cancelled it: no response is sent then). Notifications and responses return nullopt.
  // `related` carries progress, logs and server-to-client requests of this request.
  std::optional<Json> handle(const std::shared_ptr<Session>& session, const Message& message, const Sink& related);

  // Tells every subscribed session that a resource changed (notifications/resources/updated).
  void resource_updated(const std::string& uri);
  // notifications/{resources,tools,prompts}/list_changed to every session.
  void list_changed(const std::string& what);

 private:
  Json dispatch(const std::shared_ptr<Session>& session, const Message& m, const std::shared_ptr<RequestState>& state,
                const Sink& related);
  Json initialize(Session& session, const Json& params);
  Json call_tool(const std::shared_ptr<Session>& session, const Json& params, const std::shared_ptr<RequestState>& state,
                 const Sink& related);
  Json run_tool(const Tool& tool, const Json& arguments, CallContext& ctx);
  Json read_resource(const std::shared_ptr<Session>& session, const Json& params, const std::shared_ptr<RequestState>& state,
                     const Sink& related);
  Json get_prompt(const Json& params);
  Json complete(const Json& params);
  Json tasks_method(const std::shared_ptr<Session>& session, const std::string& method, const Json& params,
                    const std::shared_ptr<RequestState>& state);
  std::vector<std::shared_ptr<Session>> live_sessions();

  ServerOptions options_;
  Registry registry_;
  TaskStore tasks_;
  std::mutex mu_;
  std::vector<std::weak_ptr<Session>> sessions_;
  WorkerGroup task_workers_;  // last member: destroyed (waited for) first
};

}  // namespace llmcp::mcp
