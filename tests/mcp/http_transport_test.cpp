// Streamable HTTP beyond what the conformance suite checks: session ids (400 without, 404 when
// unknown or deleted), 202 for notifications, JSON answers for JSON-only clients, unsupported
// MCP-Protocol-Version, 415/406, the bearer token (401), the body limit (413), Host/Origin
// refusals (403), the GET stream carrying unrelated notifications, and 405 for other methods.
#include "mcp/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <thread>

namespace llmcp::mcp {
namespace {

using namespace std::chrono_literals;

class HttpTransportTest : public ::testing::Test {
 protected:
  void start(HttpOptions o = {}) {
    Tool t;
    t.name = "announce";
    t.description = "sends a list_changed notification to every session";
    t.input_schema = {{"type", "object"}};
    t.handler = [this](const Json&, CallContext&) {
      server_.list_changed("resources");
      return ToolResult{};
    };
    server_.registry().add_tool(t);
    o.host = "127.0.0.1";
    o.port = 0;
    std::promise<int> port;
    o.on_listening = [&](int p) { port.set_value(p); };
    transport_ = std::make_unique<HttpTransport>(server_, o);
    thread_ = std::thread([this] { transport_->run(); });
    port_ = port.get_future().get();
  }
  ~HttpTransportTest() override {
    if (transport_) transport_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(10, 0);
    return c;
  }
  httplib::Headers headers(const std::string& session = "", const std::string& accept = "application/json, text/event-stream") {
    httplib::Headers h = {{"Accept", accept}};
    if (!session.empty()) h.emplace("Mcp-Session-Id", session);
    return h;
  }
  static std::string init_body() {
    return R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})";
  }
  std::string open_session() {
    auto c = client();
    auto r = c.Post("/mcp", headers(), init_body(), "application/json");
    EXPECT_TRUE(r && r->status == 200);
    return r ? r->get_header_value("Mcp-Session-Id") : "";
  }
  Server server_;
  std::unique_ptr<HttpTransport> transport_;
  std::thread thread_;
  int port_ = 0;
};

TEST_F(HttpTransportTest, SessionsAreIssuedCheckedAndDeleted) {
  start();
  const std::string sid = open_session();
  ASSERT_EQ(sid.size(), 32u);
  auto c = client();
  auto note = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","method":"notifications/initialized"})", "application/json");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->status, 202);
  EXPECT_TRUE(note->body.empty());
  const std::string ping = R"({"jsonrpc":"2.0","id":2,"method":"ping"})";
  auto missing = c.Post("/mcp", headers(), ping, "application/json");
  EXPECT_EQ(missing->status, 400);
  auto unknown = c.Post("/mcp", headers("0123"), ping, "application/json");
  EXPECT_EQ(unknown->status, 404);
  // A JSON-only client gets the response as JSON; an SSE-capable one as an event stream.
  auto json_only = c.Post("/mcp", headers(sid, "application/json"), ping, "application/json");
  ASSERT_EQ(json_only->status, 200);
  EXPECT_EQ(Json::parse(json_only->body)["result"], Json::object());
  auto sse = c.Post("/mcp", headers(sid), ping, "application/json");
  ASSERT_EQ(sse->status, 200);
  EXPECT_EQ(sse->get_header_value("Content-Type"), "text/event-stream");
  EXPECT_NE(sse->body.find("event: message\ndata: {"), std::string::npos) << sse->body;
  auto bad_version = headers(sid);
  bad_version.emplace("MCP-Protocol-Version", "2024-01-01");
  EXPECT_EQ(c.Post("/mcp", bad_version, ping, "application/json")->status, 400);
  auto old_version = headers(sid);
  old_version.emplace("MCP-Protocol-Version", "2025-03-26");
  EXPECT_EQ(c.Post("/mcp", old_version, ping, "application/json")->status, 200);
  EXPECT_EQ(c.Post("/mcp", headers(sid), ping, "text/plain")->status, 415);
  EXPECT_EQ(c.Post("/mcp", headers(sid, "text/html"), ping, "application/json")->status, 406);
  EXPECT_EQ(c.Post("/mcp", headers(sid), "{not json", "application/json")->status, 400);
  EXPECT_EQ(c.Put("/mcp", headers(sid), ping, "application/json")->status, 405);
  EXPECT_EQ(c.Delete("/mcp", headers(sid))->status, 200);
  EXPECT_EQ(c.Post("/mcp", headers(sid), ping, "application/json")->status, 404);
}

TEST_F(HttpTransportTest, TokenBodyLimitAndRebindingChecks) {
  HttpOptions o;
  o.token = "s3cret";
  o.max_body_bytes = 1000;
  start(o);
  auto c = client();
  EXPECT_EQ(c.Post("/mcp", headers(), init_body(), "application/json")->status, 401);
  auto h = headers();
  h.emplace("Authorization", "Bearer wrong!");
  EXPECT_EQ(c.Post("/mcp", h, init_body(), "application/json")->status, 401);
  c.set_bearer_token_auth("s3cret");
  EXPECT_EQ(c.Post("/mcp", headers(), init_body(), "application/json")->status, 200);
  EXPECT_EQ(c.Post("/mcp", headers(), std::string(2000, ' ') + init_body(), "application/json")->status, 413);
  auto evil = headers();
  evil.emplace("Origin", "http://evil.example.com");
  EXPECT_EQ(c.Post("/mcp", evil, init_body(), "application/json")->status, 403);
  auto local = headers();
  local.emplace("Origin", "http://localhost:3000");
  EXPECT_EQ(c.Post("/mcp", local, init_body(), "application/json")->status, 200);
  auto host = headers();
  host.emplace("Host", "evil.example.com");
  EXPECT_EQ(c.Post("/mcp", host, init_body(), "application/json")->status, 403);
}

TEST_F(HttpTransportTest, TheGetStreamCarriesUnrelatedNotifications) {
  start();
  const std::string sid = open_session();
  std::string received;
  std::promise<void> got;
  bool done = false;
  std::thread listener([&] {
    auto c = client();
    c.Get("/mcp", headers(sid, "text/event-stream"), [&](const char* data, size_t n) {
      received.append(data, n);
      if (!done && received.find("notifications/resources/list_changed") != std::string::npos) {
        done = true;
        got.set_value();
        return false;  // close the stream
      }
      return true;
    });
  });
  std::this_thread::sleep_for(200ms);  // the GET is open
  auto c = client();
  auto r = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"announce"}})",
                  "application/json");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(got.get_future().wait_for(5s), std::future_status::ready) << received;
  listener.join();
}

TEST_F(HttpTransportTest, ConcurrentRequestsOnOneSession) {
  start();
  const std::string sid = open_session();
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 8; ++i)
    calls.push_back(std::async(std::launch::async, [&, i] {
      auto c = client();
      auto r = c.Post("/mcp", headers(sid), R"({"jsonrpc":"2.0","id":)" + std::to_string(100 + i) + R"(,"method":"tools/list"})",
                      "application/json");
      return r ? r->status : 0;
    }));
  for (auto& f : calls) EXPECT_EQ(f.get(), 200);
}

}  // namespace
}  // namespace llmcp::mcp
