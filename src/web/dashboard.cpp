// Dashboard; see dashboard.h.
#include "web/dashboard.h"

#include <atomic>
#include <mutex>

#include "mcp/jsonrpc.h"
#include "web/assets.h"
#include "web/job_events.h"

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

// The login and logout forms' bodies are a token at most.
constexpr size_t kFormBodyBytes = 64 << 10;

// What the pages may load: their own scripts and styles only (uPlot sets inline styles).
constexpr const char* kPolicy =
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'";

// A page; `error` (plain text) replaces its <!--error--> marker as an alert.
void send_page(httplib::Response& res, const char* name, const std::string& error = "") {
  const auto a = asset(name);
  std::string page(a->bytes);
  if (const auto at = page.find("<!--error-->"); at != std::string::npos && !error.empty())
    page.replace(at, 12, "<p class=\"error\" role=\"alert\">" + error + "</p>");
  res.set_header("Cache-Control", "no-store");
  res.set_header("Content-Security-Policy", kPolicy);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(page, a->content_type);
}

// The token in the cookie, as hex: any token fits RFC 6265's cookie-octets that way, and
// httplib's percent-decoding of header values cannot change it.
std::string to_hex(const std::string& s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

std::string from_hex(const std::string& s) {
  auto digit = [](char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
  };
  std::string out;
  if (s.size() % 2) return {};
  for (size_t i = 0; i < s.size(); i += 2) {
    const int hi = digit(s[i]), lo = digit(s[i + 1]);
    if (hi < 0 || lo < 0) return {};
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

}  // namespace

bool request_has_token(const httplib::Request& req, const std::string& token) {
  if (token.empty()) return true;
  if (mcp::bearer_token_matches(req.get_header_value("Authorization"), token)) return true;
  const auto cookie = from_hex(cookie_value(req, kTokenCookie));
  return !cookie.empty() && mcp::bearer_token_matches("Bearer " + cookie, token);
}

struct Dashboard::Impl {
  mcp::Server& server;
  std::mutex mu;
  std::shared_ptr<mcp::Session> session;  // the dashboard's own MCP session, initialized once
  std::atomic<int64_t> next_id{1};

  size_t max_body_bytes;

  Impl(mcp::Server& s, size_t limit) : server(s), max_body_bytes(limit) {}

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
};

Dashboard::Dashboard(mcp::Server& server, size_t max_body_bytes)
    : impl_(std::make_unique<Impl>(server, max_body_bytes)) {}
Dashboard::~Dashboard() = default;

Json Dashboard::rpc(const std::string& method, const Json& params) {
  const Json id = impl_->next_id++;
  if (method != "tools/list" && method != "tools/call" && method != "resources/read")
    return mcp::make_error(id, mcp::kMethodNotFound, "the dashboard sends tools/list, tools/call or resources/read");
  mcp::Message m;
  m.kind = mcp::Message::Kind::kRequest;
  m.id = id;
  m.method = method;
  m.params = params.is_object() ? params : Json::object();
  auto response = impl_->server.handle(impl_->ensure_session(), m, [](const Json&) { return true; });
  return response.value_or(mcp::make_error(id, mcp::kInternalError, "the request was cancelled"));
}

void Dashboard::mount(httplib::Server& http, const mcp::AccessPolicy& policy) {
  // Host and Origin as /mcp checks them (the token is checked per route: the login page needs none).
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
  auto authorized = [admit, policy](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return false;
    if (request_has_token(req, policy.token)) return true;
    send_json(res, 401, {{"error", "log in first: the token is wrong or missing"}});
    return false;
  };
  http.Get("/assets/(.*)", [admit](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    const auto a = asset(req.matches[1].str());
    if (!a) {
      res.status = 404;
      return;
    }
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_content(std::string(a->bytes), a->content_type);
  });
  http.Get("/", [admit, policy](const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    send_page(res, request_has_token(req, policy.token) ? "index.html" : "login.html");
  });
  // POST bodies are read through the transport's limit, and with a content reader: the
  // transport's catch-all for POST takes one, and httplib tries those routes first.
  http.Post("/ui/login", [admit, policy](const httplib::Request& req, httplib::Response& res,
                                                const httplib::ContentReader& reader) {
    std::string body;
    if (!mcp::read_body(req, reader, kFormBodyBytes, body, res)) return;
    if (!admit(req, res)) return;
    httplib::Params form;
    httplib::detail::parse_query_text(body, form);
    const auto it = form.find("token");
    const std::string token = it == form.end() ? "" : it->second;
    if (!policy.token.empty() && !mcp::bearer_token_matches("Bearer " + token, policy.token)) {
      send_page(res, "login.html", "That token is not the server's: check --token or LLMCP_TOKEN.");
      res.status = 401;
      return;
    }
    res.set_header("Set-Cookie",
                   std::string(kTokenCookie) + "=" + to_hex(token) + "; HttpOnly; SameSite=Strict; Path=/");
    res.set_redirect("/", 303);
  });
  http.Post("/ui/logout", [admit](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) {
    std::string body;
    if (!mcp::read_body(req, reader, kFormBodyBytes, body, res)) return;
    if (!admit(req, res)) return;
    res.set_header("Set-Cookie", std::string(kTokenCookie) + "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    res.set_redirect("/", 303);
  });
  const size_t limit = impl_->max_body_bytes;
  http.Post("/ui/rpc", [this, authorized, limit](const httplib::Request& req, httplib::Response& res,
                                                 const httplib::ContentReader& reader) {
    std::string text;
    if (!mcp::read_body(req, reader, limit, text, res)) return;
    if (!authorized(req, res)) return;
    const auto body = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("method") || !body["method"].is_string())
      return send_json(res, 400, {{"error", "send {\"method\": \"tools/call\", \"params\": {...}}"}});
    send_json(res, 200, rpc(body["method"].get<std::string>(), body.value("params", Json::object())));
  });
  http.Get("/ui/jobs/([A-Za-z0-9._-]{1,64})/events", [this, authorized, &http](const httplib::Request& req,
                                                                               httplib::Response& res) {
    if (!authorized(req, res)) return;
    stream_job_events(*this, http, req.matches[1].str(), req.get_header_value("Last-Event-ID"), res);
  });
}

}  // namespace llmcp::web
