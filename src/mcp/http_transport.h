// The Streamable HTTP transport (MCP 2025-11-25): one endpoint; POST carries a message (a request
// is answered with an SSE stream of its related messages then its response, or with JSON when
// the client accepts only JSON; notifications and responses get 202); GET opens the session's
// stream for unrelated messages; DELETE ends the session. Sessions are issued at initialize
// (Mcp-Session-Id); Host and Origin must be local names (DNS rebinding); an optional bearer
// token; bodies above a size limit get 413 (see http_guards.h); the port is bound exclusively.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mcp/server.h"

namespace httplib {
class Server;
}

namespace llmcp::mcp {

struct AccessPolicy;  // mcp/http_guards.h

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0..65535; 0: any free port (reported through on_listening)
  std::string path = "/mcp";
  std::string token;                       // non-empty: every request needs "Authorization: Bearer <token>"
  std::vector<std::string> allowed_hosts;  // beyond localhost, 127.0.0.1, [::1] and the bind address
  size_t max_body_bytes = 4 << 20;
  int threads = 64;                        // concurrent connections (each open SSE stream holds one)
  std::function<void(int port)> on_listening;
  // More routes on the same server (the OpenAI API), added before the catch-all 404s; they
  // admit requests with the same policy (refusal()).
  std::function<void(httplib::Server&, const AccessPolicy&)> mount;
};

class HttpTransport {
 public:
  // Throws core::Error (kInvalidArgument) for a port outside 0..65535.
  HttpTransport(Server& server, HttpOptions options);
  ~HttpTransport();
  // Binds and serves until stop(); throws core::Error (kIo) when the address cannot be bound,
  // saying why (a port in use by another server among the reasons).
  void run();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::mcp
