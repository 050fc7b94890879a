// The checks the HTTP transport makes before MCP sees anything: a valid port bound exclusively,
// the bearer token, and a body limit counted on the bytes read however the body is framed.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmcp::mcp {

// Throws core::Error (kInvalidArgument) for a port outside 0..65535.
void check_port(int port);
// Lets `http` bind only ports no other socket listens on (httplib's default SO_REUSEPORT would
// let a second server share the port and take half its connections).
void bind_exclusively(httplib::Server& http);
// Why host:port cannot be bound, as a message that says what to do instead.
std::string bind_failure(const std::string& host, int port);

// Who may talk to a local server: Host and Origin must name this machine (localhost, 127.0.0.1,
// [::1], the bind address unless a wildcard) or an allowed host (DNS rebinding protection), and
// with a token every request carries "Authorization: Bearer <token>".
struct AccessPolicy {
  std::string bind_host;
  std::vector<std::string> allowed_hosts;
  std::string token;
};
struct Refusal {
  int status;  // 403 (Host, Origin) or 401 (token)
  std::string message;
};
std::optional<Refusal> refusal(const httplib::Request& req, const AccessPolicy& policy);

// True when `authorization` is "Bearer <token>": the scheme in any case (RFC 7235), one or more
// spaces, then exactly `token`, compared in time that does not depend on where they differ.
bool bearer_token_matches(std::string_view authorization, std::string_view token);

// Reads the request body through `reader` into `body`, at most `limit` bytes: a declared length
// over it is not read at all, and reading stops at the first byte over (chunked, unframed and
// decompressed bodies alike). False: `res` holds 413 (or 400/415) and the connection closes after
// it, since the rest of the body was left unread.
bool read_body(const httplib::Request& req, const httplib::ContentReader& reader, size_t limit, std::string& body,
               httplib::Response& res);

}  // namespace llmcp::mcp
