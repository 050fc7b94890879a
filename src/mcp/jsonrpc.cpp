// JSON-RPC 2.0 codec: validation of the envelope, never of method parameters (the dispatcher
// and the handlers own those).
#include "mcp/jsonrpc.h"

namespace llmcp::mcp {
namespace {

bool valid_id(const Json& id) { return id.is_string() || id.is_number_integer(); }

// One element (the whole text, or one item of a batch).
void parse_one(const Json& j, Incoming& out) {
  if (!j.is_object()) {
    out.errors.push_back(make_error(nullptr, kInvalidRequest, "a JSON-RPC message must be a JSON object"));
    return;
  }
  const Json id = j.contains("id") ? j["id"] : Json();
  const Json reply_id = valid_id(id) ? id : Json();
  auto invalid = [&](const std::string& why) { out.errors.push_back(make_error(reply_id, kInvalidRequest, why)); };
  auto v = j.find("jsonrpc");
  if (v == j.end() || *v != "2.0") return invalid("the message needs \"jsonrpc\": \"2.0\"");
  Message m;
  if (j.contains("method")) {
    if (!j["method"].is_string()) return invalid("\"method\" must be a string");
    m.method = j["method"].get<std::string>();
    if (j.contains("params")) {
      m.params = j["params"];
      if (!m.params.is_object() && !m.params.is_array()) return invalid("\"params\" must be an object or an array");
    }
    if (j.contains("id")) {
      if (!valid_id(id)) return invalid("\"id\" must be a string or an integer (MCP does not allow null)");
      m.kind = Message::Kind::kRequest;
      m.id = id;
    } else {
      m.kind = Message::Kind::kNotification;
    }
    out.messages.push_back(std::move(m));
    return;
  }
  const bool has_result = j.contains("result"), has_error = j.contains("error");
  if (has_result == has_error) return invalid("a message needs \"method\", or exactly one of \"result\" and \"error\"");
  if (!j.contains("id")) return invalid("a response needs an \"id\"");
  if (has_error && (!j["error"].is_object() || !j["error"].contains("code") || !j["error"]["code"].is_number_integer()))
    return invalid("\"error\" must be an object with an integer \"code\"");
  m.kind = Message::Kind::kResponse;
  m.id = id;
  if (has_result) m.result = j["result"];
  if (has_error) m.error = j["error"];
  out.messages.push_back(std::move(m));
}

}  // namespace

Incoming parse_incoming(std::string_view text) {
  Incoming out;
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    out.errors.push_back(make_error(nullptr, kParseError, "parse error: the message is not valid JSON"));
    return out;
  }
  if (j.is_array()) {
    out.batch = true;
    if (j.empty()) out.errors.push_back(make_error(nullptr, kInvalidRequest, "an empty batch is not a request"));
    for (const auto& item : j) parse_one(item, out);
    return out;
  }
  parse_one(j, out);
  return out;
}

Json make_response(const Json& id, Json result) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json make_error(const Json& id, int code, std::string_view message, const Json& data) {
  Json e{{"code", code}, {"message", std::string(message)}};
  if (!data.is_null()) e["data"] = data;
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(e)}};
}

Json make_notification(std::string_view method, Json params) {
  Json j{{"jsonrpc", "2.0"}, {"method", std::string(method)}};
  if (!params.is_null()) j["params"] = std::move(params);
  return j;
}

Json make_request(const Json& id, std::string_view method, Json params) {
  Json j{{"jsonrpc", "2.0"}, {"id", id}, {"method", std::string(method)}};
  if (!params.is_null()) j["params"] = std::move(params);
  return j;
}

std::string id_key(const Json& id) { return id.dump(); }

}  // namespace llmcp::mcp
