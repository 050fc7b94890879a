// The HTTP transport's guards (see http_guards.h), apart from it so that the transport stays about
// MCP and these stay small enough to read against cpp-httplib 0.11's own behaviour.
#include "mcp/http_guards.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "mcp/jsonrpc.h"

namespace llmcp::mcp {
namespace {

// Answers `status` with the JSON `body`, then closes the connection.
void reply_and_close(const httplib::Request& req, httplib::Response& res, int status, std::string body) {
  res.status = status;
  if (req.get_header_value("Connection") != "close") res.set_header("Connection", "close");  // else httplib does
  const size_t size = body.size();
  res.set_content_provider(size, "application/json",
                           [body = std::move(body)](size_t offset, size_t, httplib::DataSink& sink) {
                             sink.write(body.data() + offset, body.size() - offset);
                             // Failing once the whole answer is out is the one way to have httplib
                             // 0.11 close the connection after a handler, rather than take the
                             // unread rest of a body for the next request.
                             return false;
                           });
}

}  // namespace

void check_port(int port) {
  LLMCP_CHECK(port >= 0 && port <= 65535, kInvalidArgument, "port ", port,
              " is outside 0..65535; pick a TCP port in that range with --port N, or --port 0 for any free port");
}

void bind_exclusively(httplib::Server& http) {
  http.set_socket_options([](int sock) {
    int yes = 1;  // SO_REUSEADDR: restart at once past TIME_WAIT, yet never share a listening port
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
}

// httplib reports a failed bind as false only; a probe bind the way it binds (every address of
// `host`, dual-stack IPv6) tells why.
std::string bind_failure(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0)
    return "cannot listen on " + where + ": '" + host +
           "' is not an address or a name this machine resolves; give one of its addresses with --host (e.g. 127.0.0.1)";
  int err = 0;
  for (addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int yes = 1, no = 0;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (a->ai_family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
    err = ::bind(fd, a->ai_addr, a->ai_addrlen) == 0 ? 0 : errno;
    ::close(fd);
    if (err == 0 || err == EADDRINUSE) break;
  }
  ::freeaddrinfo(found);
  const std::string port_s = std::to_string(port);
  switch (err) {
    case EADDRINUSE:
      return "port " + port_s +
             " is already in use (another llm-mcp serve?); pick another with --port N, or --port 0 for any free port";
    case EACCES:
      return "port " + port_s +
             " needs privileges (ports below 1024 are reserved); pick another with --port N, or --port 0 for any free port";
    case EADDRNOTAVAIL:
      return "cannot listen on " + where + ": " + host +
             " is not an address of this machine; give one of its addresses with --host (e.g. 127.0.0.1)";
    case 0:
      return "cannot listen on " + where + ": it was busy and is free now; try again";
    default:
      return "cannot listen on " + where + ": " + std::strerror(err) + "; pick another --host or --port";
  }
}

namespace {

// "localhost:8080" -> "localhost"; "[::1]:80" -> "[::1]".
std::string host_part(const std::string& authority) {
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    return close == std::string::npos ? authority : authority.substr(0, close + 1);
  }
  return authority.substr(0, authority.find(':'));
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool host_allowed(const std::string& host, const AccessPolicy& p) {
  const std::string h = lower(host);
  if (h == "localhost" || h == "127.0.0.1" || h == "[::1]") return true;
  if (h == lower(p.bind_host) && p.bind_host != "0.0.0.0" && p.bind_host != "::") return true;
  return std::any_of(p.allowed_hosts.begin(), p.allowed_hosts.end(), [&](auto& a) { return lower(a) == h; });
}

}  // namespace

std::optional<Refusal> refusal(const httplib::Request& req, const AccessPolicy& policy) {
  if (!host_allowed(host_part(req.get_header_value("Host")), policy))
    return Refusal{403, "Forbidden: Host '" + req.get_header_value("Host") +
                            "' is not allowed (DNS rebinding protection); start the server with --allowed-host to "
                            "accept it"};
  if (req.has_header("Origin")) {
    const std::string origin = req.get_header_value("Origin");
    const auto scheme = origin.find("://");
    if (scheme == std::string::npos || !host_allowed(host_part(origin.substr(scheme + 3)), policy))
      return Refusal{403, "Forbidden: Origin '" + origin + "' is not allowed (DNS rebinding protection)"};
  }
  if (!policy.token.empty() && !bearer_token_matches(req.get_header_value("Authorization"), policy.token))
    return Refusal{401, "Unauthorized: send \"Authorization: Bearer <token>\" with the server's token"};
  return std::nullopt;
}

bool bearer_token_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() || authorization[scheme.size()] != ' ') return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != scheme[i]) return false;
  std::string_view given = authorization.substr(scheme.size());
  given.remove_prefix(std::min(given.find_first_not_of(' '), given.size()));
  // Every byte of the token is compared, whatever the input: the time shows neither where a guess
  // goes wrong nor how long the token is (only how long the guess is).
  volatile unsigned char diff = given.size() != token.size();
  for (size_t i = 0; i < token.size(); ++i) {
    const unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = diff | (g ^ static_cast<unsigned char>(token[i]));
  }
  return diff == 0;
}

bool read_body(const httplib::Request& req, const httplib::ContentReader& reader, size_t limit, std::string& body,
               httplib::Response& res) {
  // A declared length over the limit is refused unread (httplib would read it all to skip it).
  bool over = req.has_header("Content-Length") && req.get_header_value<uint64_t>("Content-Length") > limit;
  const bool read = !over && reader([&](const char* data, size_t n) {
    over = n > limit - body.size();  // body.size() <= limit always
    if (!over) body.append(data, n);
    return !over;
  });
  if (read) return true;
  body.clear();
  const int status = over ? 413 : res.status;
  std::string message;
  if (status == 413)
    message = "Payload Too Large: request bodies are limited to " + std::to_string(limit) +
              " bytes; send less, or start the server with a larger --max-body-mb";
  else if (status == 415)
    message = "Unsupported Media Type: send the body uncompressed, or with Content-Encoding gzip or deflate";
  else
    message = "Bad Request: the request body could not be read (bad chunked encoding or compression, or the client "
              "stopped sending)";
  reply_and_close(req, res, status == 413 || status == 415 ? status : 400, make_error(nullptr, -32000, message).dump());
  return false;
}

}  // namespace llmcp::mcp
