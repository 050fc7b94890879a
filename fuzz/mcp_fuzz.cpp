// libFuzzer entry: each input is one or more lines, each handled as a message from a client of
// a fresh, initialized session, as the stdio transport would (responses are serialised too).
// Any crash, sanitizer report or uncaught exception is a bug.
#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include "mcp/server.h"

namespace {

using namespace llmcp::mcp;

Server* make_server() {
  auto* s = new Server(ServerOptions{"fuzz", "1", "", 3, std::chrono::milliseconds(10)});
  auto& reg = s->registry();
  Tool echo;
  echo.name = "echo";
  echo.description = "echo";
  echo.input_schema = Json::parse(R"({"type":"object","properties":{
      "text":{"type":"string","minLength":1,"maxLength":50},"n":{"type":["integer","null"],"minimum":0,"maximum":9},
      "mode":{"type":"string","enum":["a","b"]},"list":{"type":"array","items":{"type":"number"},"maxItems":4},
      "cfg":{"anyOf":[{"type":"object","additionalProperties":{"type":"boolean"}},{"type":"string"}]}},
      "required":["text"],"additionalProperties":false})");
  echo.output_schema = Json::parse(R"({"type":"object","properties":{"text":{"type":"string"}},"required":["text"]})");
  echo.task_support = TaskSupport::kOptional;
  echo.handler = [](const Json& a, CallContext& ctx) {
    ctx.progress(1, 2, "half");
    ctx.log(LogLevel::kInfo, a);
    ToolResult r;
    r.structured = {{"text", a.value("text", "")}};
    if (a.value("mode", "") == "b") r.structured = {{"text", 1}};  // breaks its own schema
    return r;
  };
  reg.add_tool(echo);
  Tool task_only = echo;
  task_only.name = "task_only";
  task_only.task_support = TaskSupport::kRequired;
  reg.add_tool(task_only);
  Tool asks = echo;
  asks.name = "asks_client";
  asks.task_support = TaskSupport::kForbidden;
  asks.handler = [](const Json&, CallContext& ctx) {
    ctx.request_client("sampling/createMessage", {{"maxTokens", 1}}, std::chrono::milliseconds(5));
    return ToolResult::error("unreachable");
  };
  reg.add_tool(asks);
  reg.add_resource({"x://static", "static", "", "", "text/plain"},
                   [](CallContext&) { return Json::array({{{"uri", "x://static"}, {"text", "s"}}}); });
  ResourceTemplate t;
  t.uri_template = "x://item/{id}/data.json";
  t.name = "item";
  t.instances = [] { return std::vector<Resource>{{"x://item/1/data.json", "one", "", "", ""}}; };
  t.read = [](const std::string& uri, const UriVars& v, CallContext&) -> std::optional<Json> {
    if (v.at("id") == "0") return std::nullopt;
    return Json::array({{{"uri", uri}, {"text", v.at("id")}}});
  };
  t.complete = [](const std::string&, const std::string& prefix) { return std::vector<std::string>{prefix + "1"}; };
  reg.add_template(t);
  reg.add_prompt({"greet", "", "greets", {{"name", "who", true}},
                  [](const std::map<std::string, std::string>& a) {
                    return Json{{"messages", {{{"role", "user"}, {"content", {{"type", "text"}, {"text", a.at("name")}}}}}}};
                  },
                  [](const std::string&, const std::string& p) { return std::vector<std::string>{p, p + "x"}; }});
  return s;
}

void drain(const Json& j) { (void)j.dump(-1, ' ', false, Json::error_handler_t::replace); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Server* server = make_server();
  auto session = server->new_session("fuzz");
  Sink sink = [](const Json& m) {
    drain(m);
    return true;
  };
  session->set_standalone(sink);
  Message init;
  init.kind = Message::Kind::kRequest;
  init.id = 0;
  init.method = "initialize";
  init.params = {{"protocolVersion", "2025-11-25"}, {"capabilities", {{"sampling", Json::object()}}}};
  server->handle(session, init, sink);
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    auto in = parse_incoming(std::string_view(text).substr(start, end - start));
    for (const auto& e : in.errors) drain(e);
    for (const auto& m : in.messages)
      if (auto r = server->handle(session, m, sink)) drain(*r);
    start = end + 1;
  }
  session->cancel_all();
  return 0;
}
