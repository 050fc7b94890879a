// JSON-RPC 2.0 as MCP uses it: one message per line (stdio) or per POST body (HTTP), batches
// accepted for 2025-03-26 clients. Parsing never throws: whatever cannot be understood becomes
// the error response the peer should get (-32700 with id null, -32600 with the id when known).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::mcp {

using Json = nlohmann::json;

enum RpcCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kResourceNotFound = -32002,
};

// Raised by method handlers; becomes a JSON-RPC error response at the dispatcher.
class RpcError : public std::runtime_error {
 public:
  RpcError(int code, const std::string& message, Json data = nullptr)
      : std::runtime_error(message), code_(code), data_(std::move(data)) {}
  int code() const { return code_; }
  const Json& data() const { return data_; }

 private:
  int code_;
  Json data_;
};

struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  Json id;             // requests and responses: a string or an integer
  std::string method;  // requests and notifications
  Json params;         // an object, or null when absent
  Json result, error;  // responses: exactly one is set
};

struct Incoming {
  std::vector<Message> messages;  // the well-formed ones, in order
  std::vector<Json> errors;       // error responses for the rest, ready to send
  bool batch = false;             // the text was a JSON array
};

Incoming parse_incoming(std::string_view text);

Json make_response(const Json& id, Json result);
Json make_error(const Json& id, int code, std::string_view message, const Json& data = nullptr);
Json make_notification(std::string_view method, Json params);
Json make_request(const Json& id, std::string_view method, Json params);

// A key for maps of in-flight requests: ids 1 and "1" are different requests.
std::string id_key(const Json& id);

}  // namespace llmcp::mcp
