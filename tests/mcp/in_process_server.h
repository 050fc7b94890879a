// The llm-mcp server in-process with one initialized session, for tests of the tool handlers:
// requests go through Server::handle exactly as a transport hands them over (arguments validated
// against the input schema, structured results against the output schema), without a transport.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "mcp/app.h"
#include "test_util.h"

namespace llmcp::mcp {

class InProcessServer {
 public:
  // The workspace at `home`; the built-in models and datasets from examples/; jobs run this build's CLI.
  explicit InProcessServer(const std::filesystem::path& home) {
    AppOptions o;
    o.home = home;
    o.builtin_dir = llmcp::testing::source_dir() / "examples";
    o.executable = llmcp::testing::cli_path();
    app_ = std::make_unique<App>(o);
    session_ = app_->server().new_session("s");
    request("initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", Json::object()},
                           {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  }
  ~InProcessServer() { app_->server().shutdown(); }
  InProcessServer(const InProcessServer&) = delete;
  InProcessServer& operator=(const InProcessServer&) = delete;

  Json request(const std::string& method, Json params) {
    Message m;
    m.id = ++id_;
    m.method = method;
    m.params = std::move(params);
    auto r = app_->server().handle(session_, m, [](const Json&) { return true; });
    return r ? *r : Json();
  }
  // A tools/call's result object ({content, structuredContent, isError}).
  Json call(const std::string& tool, Json args) {
    return request("tools/call", {{"name", tool}, {"arguments", std::move(args)}})["result"];
  }

 private:
  std::unique_ptr<App> app_;
  std::shared_ptr<Session> session_;
  int64_t id_ = 0;
};

}  // namespace llmcp::mcp
