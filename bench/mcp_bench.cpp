// MCP round trips, measured from a lean C++ client so the servers' cost dominates: tools/call
// latency of `ping` and `list_models` (p50/p99, one request at a time) over stdio and Streamable
// HTTP, and requests per second with 32 concurrent HTTP clients (one session each) on loopback.
// bench/run.sh runs it against llm-mcp and against the TypeScript SDK's server (the peer).
// Usage: mcp_bench stdio N -- CMD ARGS...  |  mcp_bench http N CLIENTS SECONDS URL
#include <httplib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

json request(int64_t id, const std::string& method, json params = json::object()) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}
json init_request() {
  return request(0, "initialize", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                                   {"clientInfo", {{"name", "mcp_bench"}, {"version", "1"}}}});
}
const json kInitialized = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};

json percentiles(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double p) { return us[std::min(us.size() - 1, static_cast<size_t>(p * static_cast<double>(us.size())))]; };
  return {{"p50_us", at(0.50)}, {"p99_us", at(0.99)}};
}

// --- stdio -----------------------------------------------------------------------------------
struct Child {
  int to = -1, from = -1;
  pid_t pid = -1;
  std::string buf;
  void send(const json& j) {
    const std::string s = j.dump() + "\n";
    if (::write(to, s.data(), s.size()) != static_cast<ssize_t>(s.size())) throw std::runtime_error("write failed");
  }
  json until_id(int64_t id) {
    for (;;) {
      for (auto nl = buf.find('\n'); nl != std::string::npos; nl = buf.find('\n')) {
        auto j = json::parse(buf.substr(0, nl), nullptr, false);
        buf.erase(0, nl + 1);
        if (j.is_object() && j.value("id", json()) == id && !j.contains("method")) return j;
      }
      char tmp[65536];
      const ssize_t n = ::read(from, tmp, sizeof tmp);
      if (n <= 0) throw std::runtime_error("the server closed stdout");
      buf.append(tmp, static_cast<size_t>(n));
    }
  }
};

Child spawn(std::vector<std::string> args) {
  int in[2], out[2];
  if (::pipe(in) || ::pipe(out)) throw std::runtime_error("pipe");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child c;
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(in[0], 0);
    ::dup2(out[1], 1);
    ::close(in[1]);
    ::close(out[0]);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(in[0]);
  ::close(out[1]);
  c.to = in[1];
  c.from = out[0];
  return c;
}

json bench_stdio(int n, std::vector<std::string> cmd) {
  Child c = spawn(std::move(cmd));
  c.send(init_request());
  c.until_id(0);
  c.send(kInitialized);
  json out;
  int64_t id = 1;
  for (const char* tool : {"ping", "list_models"}) {
    std::vector<double> us;
    for (int i = 0; i < n + 20; ++i) {
      const json req = std::string(tool) == "ping" ? request(id, "ping") : request(id, "tools/call", {{"name", tool}});
      const auto t0 = Clock::now();
      c.send(req);
      c.until_id(id++);
      if (i >= 20) us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    out[tool] = percentiles(us);
  }
  ::close(c.to);
  ::waitpid(c.pid, nullptr, 0);
  return out;
}

// --- HTTP ------------------------------------------------------------------------------------
struct HttpSession {
  httplib::Client client;
  std::string sid;
  HttpSession(const std::string& host, int port, const std::string& path) : client(host, port), path_(path) {
    client.set_keep_alive(true);
    client.set_tcp_nodelay(true);
    for (int i = 0; i < 100 && !client.Get("/")  ; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = post(init_request());
    sid = r->get_header_value("mcp-session-id");
    post(kInitialized);
  }
  httplib::Result post(const json& body) {
    httplib::Headers h = {{"Accept", "application/json, text/event-stream"}, {"MCP-Protocol-Version", "2025-11-25"}};
    if (!sid.empty()) h.emplace("Mcp-Session-Id", sid);
    auto r = client.Post(path_, h, body.dump(), "application/json");
    if (!r) throw std::runtime_error("HTTP request failed: " + httplib::to_string(r.error()));
    if (r->status >= 300) throw std::runtime_error("HTTP " + std::to_string(r->status) + ": " + r->body);
    return r;
  }
  // One request; its response may come as JSON or as SSE events.
  void call(int64_t id, const std::string& tool) {
    auto r = post(tool == "ping" ? request(id, "ping") : request(id, "tools/call", {{"name", tool}}));
    const std::string needle = "\"id\":" + std::to_string(id);
    if (r->body.find(needle) == std::string::npos) throw std::runtime_error("no response in: " + r->body.substr(0, 200));
  }

 private:
  std::string path_;
};

json bench_http(int n, int clients, double seconds, const std::string& url) {
  // http://HOST:PORT/PATH
  const auto hp = url.substr(7);
  const auto slash = hp.find('/');
  const auto colon = hp.find(':');
  const std::string host = hp.substr(0, colon), path = hp.substr(slash);
  const int port = std::stoi(hp.substr(colon + 1, slash - colon - 1));
  json out;
  HttpSession one(host, port, path);
  int64_t id = 1;
  for (const char* tool : {"ping", "list_models"}) {
    std::vector<double> us;
    for (int i = 0; i < n + 20; ++i) {
      const auto t0 = Clock::now();
      one.call(id++, tool);
      if (i >= 20) us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    }
    out[tool] = percentiles(us);
  }
  for (const char* tool : {"ping", "list_models"}) {
    std::vector<std::unique_ptr<HttpSession>> sessions;
    for (int i = 0; i < clients; ++i) sessions.push_back(std::make_unique<HttpSession>(host, port, path));
    std::atomic<int64_t> done{0}, errors{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    const auto t0 = Clock::now();
    for (auto& s : sessions)
      threads.emplace_back([&, s = s.get()] {
        for (int64_t k = 1000; !stop.load(); ++k) {
          try {
            s->call(k, tool);
            ++done;
          } catch (const std::exception&) {
            ++errors;
          }
        }
      });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop.store(true);
    for (auto& t : threads) t.join();
    const double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    out[std::string(tool) + "_concurrent"] = {{"clients", clients}, {"requests_per_s", static_cast<double>(done.load()) / elapsed}, {"errors", errors.load()}};
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::vector<std::string> a(argv + 1, argv + argc);
    if (a.size() >= 4 && a[0] == "stdio" && a[2] == "--") {
      std::cout << bench_stdio(std::stoi(a[1]), std::vector<std::string>(a.begin() + 3, a.end())).dump() << std::endl;
      return 0;
    }
    if (a.size() == 5 && a[0] == "http") {
      std::cout << bench_http(std::stoi(a[1]), std::stoi(a[2]), std::stod(a[3]), a[4]).dump() << std::endl;
      return 0;
    }
    std::cerr << "usage: mcp_bench stdio N -- CMD ARGS... | mcp_bench http N CLIENTS SECONDS URL\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "mcp_bench: " << e.what() << "\n";
    return 1;
  }
}
