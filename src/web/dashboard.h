// The web dashboard (issue 29), served by `serve --http` at / beside /mcp and /v1 and under the
// same admission (Host/Origin, the bearer token, body limits): the page and its assets compiled in
// (web/assets.h); a login form that turns the token into an HttpOnly, SameSite=Strict cookie;
// POST /ui/rpc, which runs one MCP request (tools/list, tools/call, resources/read) in process
// through the same mcp::Server a client talks to, in a session of the dashboard's own, so every
// action the page takes is an MCP tool call with its schema validation and its errors (one code
// path); and GET /ui/jobs/<id>/events, a job's metrics as server-sent events (web/job_events.h).
// Torch-free.
#pragma once

#include <memory>
#include <string>

#include "mcp/http_guards.h"
#include "mcp/server.h"

namespace llmcp::web {

class Dashboard {
 public:
  // `max_body_bytes`: the largest POST /ui/rpc body read (serve's --max-body-mb).
  Dashboard(mcp::Server& server, size_t max_body_bytes);
  ~Dashboard();
  // Adds GET /, GET /assets/*, POST /ui/login, POST /ui/logout, POST /ui/rpc and
  // GET /ui/jobs/<id>/events to `http`.
  void mount(httplib::Server& http, const mcp::AccessPolicy& policy);

  // One MCP request in the dashboard's session: the JSON-RPC response ({result} or {error}).
  // Only the methods the page needs (tools/list, tools/call, resources/read); others get
  // JSON-RPC's "method not found".
  nlohmann::json rpc(const std::string& method, const nlohmann::json& params);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The cookie the login form sets, and how a request proves it knows the token: the bearer header
// (as /mcp takes it) or that cookie (the token in hex). With no token configured, every request does.
inline constexpr const char* kTokenCookie = "llmcp_token";
bool request_has_token(const httplib::Request& req, const std::string& token);

}  // namespace llmcp::web
