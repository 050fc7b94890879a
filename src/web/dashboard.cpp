// Dashboard; see dashboard.h.
#include "web/dashboard.h"

#include <atomic>
#include <mutex>

#include "core/error.h"
#include "mcp/jsonrpc.h"
#include "web/assets.h"

namespace llmcp::web {
namespace {

using Json = nlohmann::json;

std::string cookie_value(const httplib::Request& req, const std::string& name) {
  const auto header = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < header.size()) {
    const size_t end = std::min(header.find(';', pos), header.size());
    auto part = header.substr(pos, end - pos);
    const auto start = part.find_first_not_of(' ');
    part = start == std::string::npos ? "" : part.substr(start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    pos = end + 1;
  }
  return {};
}

void send_json(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

}  // namespace

bool request_has_token(const httplib::Request& req, const std::string& token) {
  if (token.empty()) return true;
  if (mcp::bearer_token_matches(req.get_header_value("Authorization"), token)) return true;
  return mcp::bearer_token_matches("Bearer " + cookie_value(req, kTokenCookie), token);
}

struct Dashboard::Impl {
  mcp::Server& server;
  std::mutex mu;
  std::shared_ptr<mcp::Session> session;  // the dashboard's own MCP session, initialized once
  std::atomic<int64_t> next_id{1};

  explicit Impl(mcp::Server& s) : server(s) {}

  std::shared_ptr<mcp::Session> ensure_session() {
    std::lock_guard lock(mu);
    if (session) return session;
    auto s = server.new_session("dashboard");
    mcp::Message init;
    init.kind = mcp::Message::Kind::kRequest;
    init.id = 0;
    init.method = "initialize";
    init.params = {{"protocolVersion", mcp::supported_protocol_versions().front()},
                   {"capabilities", Json::object()},
                   {"clientInfo", {{"name", "llm-mcp dashboard"}, {"version", "1"}}}};
    server.handle(s, init, [](const Json&) { return true; });
    mcp::Message done;
    done.kind = mcp::Message::Kind::kNotification;
    done.method = "notifications/initialized";
    server.handle(s, done, [](const Json&) { return true; });
    session = s;
    return s;
  }

  // tools/call in process: the JSON-RPC response's result, or its error.
  Json call(const std::string& tool, const Json& arguments) {
    mcp::Message m;
    m.kind = mcp::Message::Kind::kRequest;
    m.id = next_id++;
    m.method = "tools/call";
    m.params = {{"name", tool}, {"arguments", arguments}};
    auto response = server.handle(ensure_session(), m, [](const Json&) { return true; });
    return response.value_or(Json::object());
  }
};

Dashboard::Dashboard(mcp::Server& server) : impl_(std::make_unique<Impl>(server)) {}
Dashboard::~Dashboard() = default;

void Dashboard::mount(httplib::Server& http, const mcp::AccessPolicy& policy) {
  auto* impl = impl_.get();
  // Host and Origin as /mcp checks them; the token from the header or the login cookie.
  auto admit = [policy](const httplib::Request& req, httplib::Response& res) {
    auto open = policy;
    open.token.clear();
    if (auto r = mcp::refusal(req, open)) {
      res.status = r->status;
      res.set_content(r->message, "text/plain");
      return false;
    }
    return true;
  };
  http.Get("/assets/(.*)", [admit](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    const auto a = asset(req.matches[1].str());
    if (!a) {
      res.status = 404;
      return;
    }
    res.set_content(std::string(a->bytes), a->content_type);
  });
  http.Get("/", [admit, policy](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    const auto page = asset(request_has_token(req, policy.token) ? "index.html" : "login.html");
    res.set_content(std::string(page->bytes), page->content_type);
  });
  // POST bodies are read with the server's limit (the transport's catch-all for POST takes a
  // content reader, so these must too).
  const size_t limit = 1 << 20;
  http.Post("/ui/login", [admit, policy, limit](const httplib::Request& req, httplib::Response& res,
                                                const httplib::ContentReader& reader) {
    std::string body;
    if (!mcp::read_body(req, reader, limit, body, res)) return;
    if (!admit(req, res)) return;
    httplib::Params form;
    httplib::detail::parse_query_text(body, form);
    const auto it = form.find("token");
    const std::string token = it == form.end() ? "" : it->second;
    if (!policy.token.empty() && !mcp::bearer_token_matches("Bearer " + token, policy.token)) {
      res.status = 401;
      const auto page = asset("login.html");
      res.set_content(std::string(page->bytes), page->content_type);
      return;
    }
    res.set_header("Set-Cookie", std::string(kTokenCookie) + "=" + token + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_redirect("/", 303);
  });
  http.Post("/ui/call", [admit, policy, impl](const httplib::Request& req, httplib::Response& res,
                                              const httplib::ContentReader& reader) {
    std::string text;
    if (!mcp::read_body(req, reader, 4 << 20, text, res)) return;
    if (!admit(req, res)) return;
    if (!request_has_token(req, policy.token)) return send_json(res, 401, {{"error", "log in first: the token is wrong or missing"}});
    const auto body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("tool") || !body["tool"].is_string())
      return send_json(res, 400, {{"error", "send {\"tool\": NAME, \"arguments\": {...}}"}});
    send_json(res, 200, impl->call(body["tool"].get<std::string>(), body.value("arguments", Json::object())));
  });
}

}  // namespace llmcp::web
