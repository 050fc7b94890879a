// Streamable HTTP beyond what the conformance suite checks: session ids (400 without, 404 when
// unknown or deleted), 202 for notifications, JSON answers for JSON-only clients, unsupported
// MCP-Protocol-Version, 415/406, the bearer token (401), the body limit (413), Host/Origin
// refusals (403), the GET stream carrying unrelated notifications, and 405 for other methods;
// bodies over the limit however they are framed (chunked, unframed), an exclusive bind that names
// a busy port, the port range, and the bearer scheme's case and exact token match.
#include "mcp/http_transport.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <thread>

#include "core/error.h"

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
    Tool record;
    record.name = "record";
    record.description = "counts its calls";
    record.input_schema = {{"type", "object"}};
    record.handler = [this](const Json&, CallContext&) {
      ++recorded_;
      return ToolResult{};
    };
    server_.registry().add_tool(record);
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
  std::atomic<int> recorded_{0};
};

// Sends `head` then `pieces` on a fresh connection (stopping at the first refused write; then,
// when `end_write`, half-closes it) and returns all the server answered until it closed.
std::string raw_exchange(int port, const std::string& head, const std::vector<std::string>& pieces, bool end_write) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  auto send_all = [fd](const std::string& data) {
    for (size_t sent = 0; sent < data.size();) {
      const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  };
  if (send_all(head))
    for (const auto& p : pieces)
      if (!send_all(p)) break;
  if (end_write) ::shutdown(fd, SHUT_WR);
  std::string answer;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return answer;
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// Runs a transport with `o` until it fails or listens; the error message ("" when it listened).
std::string run_error(Server& server, HttpOptions o) {
  std::promise<void> listening;
  o.on_listening = [&](int) { listening.set_value(); };
  std::unique_ptr<HttpTransport> transport;
  std::string error;
  std::thread runner([&] {
    try {
      transport = std::make_unique<HttpTransport>(server, o);
      transport->run();
    } catch (const core::Error& e) {
      error = e.what();
      listening.set_value();
    }
  });
  listening.get_future().wait();
  if (error.empty()) {
    std::this_thread::sleep_for(100ms);  // listen_after_bind has started
    transport->stop();
  }
  runner.join();
  return error;
}

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

TEST_F(HttpTransportTest, BodiesOverTheLimitAreRefusedHoweverFramed) {
  HttpOptions o;
  o.max_body_bytes = 64 << 10;
  start(o);
  const std::string sid = open_session();
  const std::string call = R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"record"}})";
  const std::string head = "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json, text/event-stream\r\n"
                           "Content-Type: application/json\r\nMcp-Session-Id: " + sid + "\r\n";
  // 1 MiB of chunks after the call: its length is nowhere declared, only what is read counts. The
  // connection asks to be kept alive, yet must close after the 413: the rest is unread.
  std::vector<std::string> chunks = {chunk(call)};
  for (int i = 0; i < 64; ++i) chunks.push_back(chunk(std::string(16 << 10, ' ')));
  chunks.push_back("0\r\n\r\n");
  const std::string chunked = raw_exchange(port_, head + "Transfer-Encoding: chunked\r\n\r\n", chunks, false);
  EXPECT_EQ(chunked.rfind("HTTP/1.1 413", 0), 0u) << chunked.substr(0, 300);
  EXPECT_NE(chunked.find("--max-body-mb"), std::string::npos) << chunked.substr(0, 300);
  EXPECT_EQ(count(chunked, "HTTP/1.1 "), 1u) << "the unread rest of the body was taken for more requests";
  // Other methods and paths read within the limit too (not all of it for a 405 or 404).
  for (const std::string line : {"PUT /mcp", "POST /elsewhere"}) {
    const std::string other =
        raw_exchange(port_, line + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n", chunks, false);
    EXPECT_EQ(other.rfind("HTTP/1.1 413", 0), 0u) << line << ": " << other.substr(0, 300);
  }
  // No length and no chunks: the body runs to the end of what the client sends.
  std::vector<std::string> unframed = {call};
  for (int i = 0; i < 64; ++i) unframed.push_back(std::string(16 << 10, ' '));
  const std::string eof = raw_exchange(port_, head + "Connection: close\r\n\r\n", unframed, true);
  EXPECT_EQ(eof.rfind("HTTP/1.1 413", 0), 0u) << eof.substr(0, 300);
  EXPECT_EQ(recorded_, 0) << "a body over the limit was processed";
  // Under the limit, chunked works, and the server is still serving.
  const std::string small = raw_exchange(port_, head + "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
                                         {chunk(call), "0\r\n\r\n"}, false);
  EXPECT_EQ(small.rfind("HTTP/1.1 200", 0), 0u) << small.substr(0, 300);
  EXPECT_EQ(recorded_, 1);
}

TEST_F(HttpTransportTest, ASecondServerOnTheSamePortIsRefusedWithAHint) {
  start();
  Server other;
  HttpOptions o;
  o.port = port_;
  const std::string error = run_error(other, o);
  const std::string busy = "port " + std::to_string(port_) + " is already in use";
  EXPECT_NE(error.find(busy), std::string::npos) << "the second server: '" << error << "'";
  EXPECT_NE(error.find("--port 0"), std::string::npos) << error;
}

TEST_F(HttpTransportTest, PortsOutsideTcpsRangeAreRefused) {
  for (int port : {70000, -1, 65536}) {
    HttpOptions o;
    o.port = port;
    const std::string error = run_error(server_, o);
    EXPECT_NE(error.find("0..65535"), std::string::npos) << "port " << port << ": '" << error << "'";
  }
}

TEST_F(HttpTransportTest, BearerSchemeInAnyCaseAndOnlyTheExactToken) {
  HttpOptions o;
  o.token = "s3cret";
  start(o);
  auto status = [&](const std::string& authorization) {
    auto h = headers();
    h.emplace("Authorization", authorization);
    auto r = client().Post("/mcp", h, init_body(), "application/json");
    return r ? r->status : 0;
  };
  for (const char* ok : {"Bearer s3cret", "bearer s3cret", "BEARER s3cret", "bEaReR   s3cret"})
    EXPECT_EQ(status(ok), 200) << ok;
  for (const char* wrong : {"Bearer s3creT", "Bearer s3cre", "Bearer s3crett", "Bearer ", "Bearers3cret", "Basic s3cret",
                            "s3cret", "Bearer s3cret s3cret"})
    EXPECT_EQ(status(wrong), 401) << wrong;
}

}  // namespace
}  // namespace llmcp::mcp
