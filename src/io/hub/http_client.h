// A small HTTP client over libcurl (Debian's), for the Hub: one easy handle per client so a worker
// reuses its connections, HEAD and GET, optional redirect following, resumable ranges, a body
// streamed to a callback, stall and connect timeouts, cancellation, and the proxy variables curl
// reads itself (HTTPS_PROXY, https_proxy, http_proxy, NO_PROXY). Transport failures throw
// TransportError saying whether a retry may help.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"

namespace llmcp::io::hub {

struct HttpRequest {
  std::string method = "GET";  // GET or HEAD
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  uint64_t range_from = 0;           // > 0: "Range: bytes=N-"
  bool follow_redirects = false;     // false: a 3xx comes back as it is (its Location header)
  // Receives the body of the final response as it arrives; without it the body is kept in
  // HttpResponse::body. Not called for an error status (>= 400): that body is kept for the message.
  std::function<void(const char* data, size_t size)> on_body;
  // Called once with the final response's status and headers, before its first body byte.
  std::function<void(long status, const std::map<std::string, std::string>& headers)> on_response;
  long connect_timeout_s = 10;
  long stall_timeout_s = 10;  // fails when fewer than 1 byte/s arrives for this long
  const std::atomic<bool>* cancel = nullptr;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // of the final response; names in lower case
  std::string body;
  std::string url;  // the final URL (after redirects)
  std::string header(const std::string& lower_name) const;
};

// A network failure (no connection, reset, timeout, TLS): `transient` when trying again may work.
class TransportError : public core::Error {
 public:
  TransportError(const std::string& message, bool transient)
      : core::Error(core::ErrorCode::kNetwork, message), transient_(transient) {}
  bool transient() const { return transient_; }

 private:
  bool transient_;
};

// Thrown when HttpRequest::cancel was set during a transfer.
class Cancelled : public core::Error {
 public:
  Cancelled() : core::Error(core::ErrorCode::kInvalidArgument, "cancelled") {}
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;
  HttpResponse perform(const HttpRequest& req);

 private:
  void* curl_;
};

// Percent-encodes everything but unreserved characters; '/' too unless keep_slash.
std::string url_quote(const std::string& s, bool keep_slash);
// "scheme://host:port" of a URL (for deciding where a token may be sent).
std::string url_origin(const std::string& url);

}  // namespace llmcp::io::hub
