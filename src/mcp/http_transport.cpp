// Streamable HTTP on cpp-httplib; see http_transport.h. Each request of a POST runs on a worker
// thread and writes into that POST's EventStream; the HTTP thread turns the stream into SSE.
#include "mcp/http_transport.h"

#include <httplib.h>

#include <algorithm>
#include <map>
#include <random>
#include <atomic>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/error.h"
#include "mcp/event_stream.h"
#include "mcp/http_guards.h"

namespace llmcp::mcp {
namespace {

using namespace std::chrono_literals;
constexpr size_t kMaxSessions = 1000;

std::string random_session_id() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id.push_back(hex[rd() % 16]);
  return id;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

void reply_error(httplib::Response& res, int status, int code, const std::string& message) {
  res.status = status;
  res.set_content(make_error(nullptr, code, message).dump(), "application/json");
}

// Serves `stream` as server-sent events until it finishes or the client goes away.
void serve_events(httplib::Response& res, const std::shared_ptr<EventStream>& stream, std::function<void()> on_close) {
  res.set_header("Cache-Control", "no-cache, no-transform");
  res.set_header("X-Accel-Buffering", "no");
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](size_t, httplib::DataSink& sink) {
        std::string data;
        switch (stream->pop(data, 10s)) {
          case EventStream::Pop::kMessage: {
            const std::string event = "event: message\ndata: " + data + "\n\n";
            if (!sink.write(event.data(), event.size())) {
              stream->disconnect();
              return false;
            }
            return true;
          }
          case EventStream::Pop::kTimeout: {
            static const std::string keepalive = ": keepalive\n\n";
            if (!sink.write(keepalive.data(), keepalive.size())) {
              stream->disconnect();
              return false;
            }
            return true;
          }
          case EventStream::Pop::kFinished:
            sink.done();
            return true;
        }
        return false;
      },
      [stream, on_close = std::move(on_close)](bool) {
        stream->disconnect();
        if (on_close) on_close();
      });
}

}  // namespace

struct HttpTransport::Impl {
  struct HttpSession {
    std::shared_ptr<Session> session;
    std::shared_ptr<EventStream> standalone;
    std::chrono::steady_clock::time_point last_used;
  };

  Server& server;
  HttpOptions opt;
  httplib::Server http;
  std::mutex mu;
  std::map<std::string, HttpSession> sessions;
  // stop() before run() reaches listen must still stop it: httplib's stop() does nothing until
  // the server runs. Both under `life_mu`.
  std::mutex life_mu;
  bool stop_requested = false;
  std::atomic<bool> listening{false};

  Impl(Server& s, HttpOptions o) : server(s), opt(std::move(o)) {}

  AccessPolicy policy() const { return {opt.host, opt.allowed_hosts, opt.token}; }

  // Host, Origin and token checks shared by every method. False: `res` holds the refusal.
  bool admit(const httplib::Request& req, httplib::Response& res) const {
    const auto refused = refusal(req, policy());
    if (!refused) return true;
    if (refused->status == 401) res.set_header("WWW-Authenticate", "Bearer");
    reply_error(res, refused->status, -32000, refused->message);
    return false;
  }

  // The session a request names; nullptr with `res` holding 400/404 otherwise.
  std::shared_ptr<Session> session_of(const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.get_header_value("Mcp-Session-Id");
    if (id.empty()) {
      reply_error(res, 400, -32000, "Bad Request: Mcp-Session-Id header is required (send initialize first)");
      return nullptr;
    }
    std::shared_ptr<Session> s;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(id);
      if (it != sessions.end()) {
        it->second.last_used = std::chrono::steady_clock::now();
        s = it->second.session;
      }
    }
    if (!s) {
      reply_error(res, 404, -32001, "Session not found: initialize a new session");
      return nullptr;
    }
    if (req.has_header("MCP-Protocol-Version")) {
      const auto v = req.get_header_value("MCP-Protocol-Version");
      const auto& ok = supported_protocol_versions();
      if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
        reply_error(res, 400, -32000, "Bad Request: unsupported MCP-Protocol-Version " + v +
                                          " (supported: 2025-11-25, 2025-06-18, 2025-03-26)");
        return nullptr;
      }
    }
    res.set_header("Mcp-Session-Id", id);
    return s;
  }

  void add_session(const std::string& id, std::shared_ptr<Session> s) {
    std::lock_guard lock(mu);
    if (sessions.size() >= kMaxSessions) {  // forget the least recently used one
      auto oldest = std::min_element(sessions.begin(), sessions.end(),
                                     [](auto& a, auto& b) { return a.second.last_used < b.second.last_used; });
      if (oldest->second.standalone) oldest->second.standalone->finish();
      server.close_session(oldest->first);
      sessions.erase(oldest);
    }
    sessions[id] = {std::move(s), nullptr, std::chrono::steady_clock::now()};
  }

  // `body`: the request's, read within the limit.
  void post(const httplib::Request& req, const std::string& body, httplib::Response& res) {
    if (!admit(req, res)) return;
    const std::string accept = req.get_header_value("Accept");
    const bool any = accept.empty() || accept.find("*/*") != std::string::npos;
    const bool sse = any || accept.find("text/event-stream") != std::string::npos;
    const bool json = any || accept.find("application/json") != std::string::npos;
    if (!sse && !json)
      return reply_error(res, 406, -32000, "Not Acceptable: accept application/json and text/event-stream");
    const std::string type = lower(req.get_header_value("Content-Type"));
    if (type.rfind("application/json", 0) != 0)
      return reply_error(res, 415, -32000, "Unsupported Media Type: Content-Type must be application/json");
    Incoming in = parse_incoming(body);
    if (in.messages.empty()) {
      res.status = 400;
      const Json body = in.batch ? Json(in.errors) : in.errors.front();
      res.set_content(body.dump(), "application/json");
      return;
    }
    const bool has_init = std::any_of(in.messages.begin(), in.messages.end(), [](auto& m) {
      return m.kind == Message::Kind::kRequest && m.method == "initialize";
    });
    if (has_init) return initialize(in, res);
    auto session = session_of(req, res);
    if (!session) return;
    std::vector<Message> requests;
    for (auto& m : in.messages) {
      if (m.kind == Message::Kind::kRequest) requests.push_back(std::move(m));
      else server.handle(session, m, {});
    }
    if (requests.empty()) {
      if (!in.errors.empty()) {
        res.status = 400;
        res.set_content((in.batch ? Json(in.errors) : in.errors.front()).dump(), "application/json");
        return;
      }
      res.status = 202;
      return;
    }
    if (!sse) return answer_json(session, requests, in, res);
    answer_events(session, std::move(requests), std::move(in.errors), res);
  }

  // The POST's SSE stream. The requests run on this HTTP thread, inside the content provider, so
  // their related messages (progress, logs, server-to-client requests) are written as they are
  // sent and the response follows them; concurrency comes from concurrent POSTs.
  void answer_events(const std::shared_ptr<Session>& session, std::vector<Message> requests, std::vector<Json> errors,
                     httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache, no-transform");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, session, requests = std::move(requests), errors = std::move(errors)](size_t, httplib::DataSink& sink) {
          std::mutex write_mu;
          bool connected = true;
          Sink write = [&](const Json& m) {
            const std::string event =
                "event: message\ndata: " + m.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
            std::lock_guard lock(write_mu);
            connected = connected && sink.write(event.data(), event.size());
            return connected;  // a client gone away: the work goes on, its messages are dropped
          };
          for (const auto& e : errors) write(e);
          for (const auto& m : requests)
            if (auto r = server.handle(session, m, write)) write(*r);
          std::lock_guard lock(write_mu);
          connected = false;  // nothing may write through `sink` after this call
          sink.done();
          return true;
        });
  }

  void initialize(const Incoming& in, httplib::Response& res) {
    if (in.messages.size() != 1 || in.batch)
      return reply_error(res, 400, kInvalidRequest, "Invalid Request: initialize must be sent alone");
    const std::string id = random_session_id();
    auto session = server.new_session(id);
    auto r = server.handle(session, in.messages.front(), {});
    if (!r) return reply_error(res, 400, kInvalidRequest, "initialize was cancelled");
    if (!r->contains("error")) {
      add_session(id, session);
      res.set_header("Mcp-Session-Id", id);
    }
    res.set_content(r->dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
  }

  void answer_json(const std::shared_ptr<Session>& session, const std::vector<Message>& requests, const Incoming& in,
                   httplib::Response& res) {
    Json out = Json::array();
    for (const auto& e : in.errors) out.push_back(e);
    for (const auto& m : requests)  // related notifications cannot be delivered without a stream
      if (auto r = server.handle(session, m, {})) out.push_back(std::move(*r));
    const Json body = (!in.batch && out.size() == 1) ? out.front() : out;
    res.set_content(body.dump(-1, ' ', false, Json::error_handler_t::replace), "application/json");
  }

  void get(const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    const std::string accept = req.get_header_value("Accept");
    if (accept.find("text/event-stream") == std::string::npos && accept.find("*/*") == std::string::npos)
      return reply_error(res, 406, -32000, "Not Acceptable: a GET stream needs Accept: text/event-stream");
    auto session = session_of(req, res);
    if (!session) return;
    auto stream = std::make_shared<EventStream>();
    {
      std::lock_guard lock(mu);
      auto& hs = sessions[session->id()];
      if (hs.standalone) hs.standalone->finish();  // a newer GET replaces the older stream
      hs.standalone = stream;
    }
    session->set_standalone([stream](const Json& m) { return stream->push(m); });
    std::weak_ptr<Session> weak = session;
    serve_events(res, stream, [this, weak, stream] {
      auto s = weak.lock();
      if (!s) return;
      std::lock_guard lock(mu);
      auto it = sessions.find(s->id());
      if (it != sessions.end() && it->second.standalone == stream) {
        it->second.standalone.reset();
        s->set_standalone({});
      }
    });
  }

  void del(const httplib::Request& req, httplib::Response& res) {
    if (!admit(req, res)) return;
    auto session = session_of(req, res);
    if (!session) return;
    {
      std::lock_guard lock(mu);
      auto it = sessions.find(session->id());
      if (it != sessions.end()) {
        if (it->second.standalone) it->second.standalone->finish();
        sessions.erase(it);
      }
    }
    server.close_session(session->id());
    res.status = 200;
  }
};

HttpTransport::HttpTransport(Server& server, HttpOptions options) {
  check_port(options.port);
  impl_ = std::make_unique<Impl>(server, std::move(options));
  auto& im = *impl_;
  const int threads = std::max(4, im.opt.threads);
  im.http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  bind_exclusively(im.http);
  // Every method that may carry a body reads it through read_body, which counts what is read; the
  // library's own limit covers only a declared Content-Length.
  im.http.set_payload_max_length(im.opt.max_body_bytes);
  im.http.set_tcp_nodelay(true);  // SSE events are small writes: no Nagle / delayed-ACK stalls
  im.http.set_keep_alive_timeout(30);
  im.http.set_keep_alive_max_count(10000);
  im.http.set_read_timeout(30);
  im.http.set_write_timeout(30);
  const std::string& p = im.opt.path;
  using Reader = httplib::ContentReader;
  im.http.Post(p, [&im](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
    std::string body;
    if (read_body(req, reader, im.opt.max_body_bytes, body, res)) im.post(req, body, res);
  });
  im.http.Get(p, [&im](const httplib::Request& req, httplib::Response& res) { im.get(req, res); });
  im.http.Delete(p, [&im](const httplib::Request& req, httplib::Response& res) { im.del(req, res); });
  auto not_allowed = [&im](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
    std::string body;
    if (!read_body(req, reader, im.opt.max_body_bytes, body, res)) return;
    res.set_header("Allow", "GET, POST, DELETE");
    reply_error(res, 405, -32000, "Method not allowed: use POST, GET or DELETE");
  };
  im.http.Put(p, not_allowed);
  im.http.Patch(p, not_allowed);
  if (im.opt.mount) im.opt.mount(im.http, im.policy());  // before the catch-all routes below
  auto not_found = [&im](const httplib::Request& req, httplib::Response& res, const Reader& reader) {
    std::string body;
    if (read_body(req, reader, im.opt.max_body_bytes, body, res))
      reply_error(res, 404, -32000, "Not Found: the MCP endpoint is " + im.opt.path + (im.opt.mount ? " (and /v1/ the OpenAI API)" : ""));
  };
  im.http.Post(".*", not_found);  // bodies to other paths are limited too
  im.http.Put(".*", not_found);
  im.http.Patch(".*", not_found);
  im.http.set_exception_handler([](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
    reply_error(res, 500, kInternalError, "internal error");
  });
}

HttpTransport::~HttpTransport() { stop(); }

void HttpTransport::run() {
  auto& im = *impl_;
  int port = im.opt.port;
  if (port == 0) {
    port = im.http.bind_to_any_port(im.opt.host);
    if (port <= 0) LLMCP_FAIL(kIo, bind_failure(im.opt.host, 0));
  } else if (!im.http.bind_to_port(im.opt.host, port)) {
    LLMCP_FAIL(kIo, bind_failure(im.opt.host, port));
  }
  spdlog::info("mcp: Streamable HTTP on http://{}:{}{}", im.opt.host, port, im.opt.path);
  {
    std::lock_guard lock(im.life_mu);
    if (im.stop_requested) return;
    im.listening = true;
  }
  if (im.opt.on_listening) im.opt.on_listening(port);
  im.http.listen_after_bind();
  im.listening = false;
}

void HttpTransport::stop() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    for (auto& [id, s] : im.sessions) {
      if (s.standalone) s.standalone->finish();
      im.server.close_session(id);
    }
  }
  bool listening;
  {
    std::lock_guard lock(im.life_mu);
    im.stop_requested = true;
    listening = im.listening;
  }
  // Listening (or about to): wait until httplib runs, so that its stop() takes effect.
  while (listening && !im.http.is_running() && im.listening) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (im.http.is_running()) im.http.stop();
}

}  // namespace llmcp::mcp
