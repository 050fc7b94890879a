// The web dashboard (issue 29), served by `serve --http` at / beside /mcp and /v1 and under the
// same admission (Host/Origin, the bearer token, body limits): the page and its assets compiled in
// (web/assets.h); a login form that turns the token into an HttpOnly, SameSite=Strict cookie; and
// POST /ui/call, which runs one MCP tool call in process through the same mcp::Server a client
// talks to, in a session of the dashboard's own, so every action the page takes is an MCP tool
// call with its schema validation and its errors (one code path). Torch-free.
#pragma once

#include <memory>
#include <string>

#include "mcp/http_guards.h"
#include "mcp/server.h"

namespace llmcp::web {

class Dashboard {
 public:
  explicit Dashboard(mcp::Server& server);
  ~Dashboard();
  // Adds GET /, GET /assets/*, POST /ui/login and POST /ui/call to `http`.
  void mount(httplib::Server& http, const mcp::AccessPolicy& policy);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The cookie the login form sets, and how a request proves it knows the token: the bearer header
// (as /mcp takes it) or that cookie.
inline constexpr const char* kTokenCookie = "llmcp_token";
bool request_has_token(const httplib::Request& req, const std::string& token);

}  // namespace llmcp::web
