// The dashboard's server side over real HTTP (an httplib client against HttpTransport with the
// dashboard mounted, as `serve --http` does): the login form (a wrong token 401 with the login
// page, the right one a 303 with an HttpOnly SameSite=Strict cookie), the token from the bearer
// header or the cookie (hex-encoded, so any token fits), /ui/rpc running MCP requests (only
// tools/list, tools/call and resources/read; a tool's error comes back as MCP's), foreign Origins
// refused, body limits, and a job's event stream: metric lines with their numbers as ids, resumed
// after Last-Event-ID, `reset` when the file was cut back (also when it grew again before the
// stream looked), only the new lines when the resource's window slides over a long file, `job` and
// `log`, `end` once finished, 404 for an unknown job. The browser side is dashboard.mjs.
#include "web/dashboard.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <future>
#include <mutex>
#include <thread>

#include "mcp/http_transport.h"
#include "web/job_events.h"

namespace llmcp::web {
namespace {

using Json = nlohmann::json;

// A fake job behind the resources the event stream reads.
struct FakeJob {
  std::mutex mu;
  std::string status = "running";
  std::string metrics;
  std::string log = "step 1\n";
  int metric_reads = 0;  // how often the stream has read metrics.jsonl
};

class DashboardTest : public ::testing::Test {
 protected:
  void start(const std::string& token) {
    mcp::Tool echo;
    echo.name = "echo";
    echo.description = "returns its arguments";
    echo.input_schema = {{"type", "object"}, {"properties", {{"n", {{"type", "integer"}, {"minimum", 0}}}}}};
    echo.handler = [](const Json& args, mcp::CallContext&) {
      mcp::ToolResult r;
      r.structured = args;
      return r;
    };
    server_.registry().add_tool(echo);
    for (const std::string suffix : {"", "/metrics", "/log"}) {
      mcp::ResourceTemplate t;
      t.uri_template = "llmcp://jobs/{id}" + suffix;
      t.name = "job" + suffix;
      t.description = "a fake job";
      t.mime_type = "text/plain";
      t.instances = [] { return std::vector<mcp::Resource>{}; };
      t.read = [this, suffix](const std::string& uri, const mcp::UriVars& vars,
                              mcp::CallContext&) -> std::optional<Json> {
        if (vars.at("id") != "job-1") return std::nullopt;
        std::lock_guard lock(job_.mu);
        if (suffix == "/metrics") ++job_.metric_reads;
        const std::string text = suffix.empty() ? Json{{"job_id", "job-1"}, {"status", job_.status}}.dump()
                                 : suffix == "/log" ? job_.log
                                                    : job_.metrics;
        return Json::array({{{"uri", uri}, {"text", text}}});
      };
      server_.registry().add_template(t);
    }
    mcp::HttpOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.token = token;
    o.max_body_bytes = 1 << 16;
    std::promise<int> port;
    o.on_listening = [&](int p) { port.set_value(p); };
    dashboard_ = std::make_unique<Dashboard>(server_, o.max_body_bytes);
    o.mount = [this](httplib::Server& http, const mcp::AccessPolicy& policy) { dashboard_->mount(http, policy); };
    transport_ = std::make_unique<mcp::HttpTransport>(server_, o);
    thread_ = std::thread([this] { transport_->run(); });
    port_ = port.get_future().get();
  }
  ~DashboardTest() override {
    if (transport_) transport_->stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(kStreamSeconds + 10, 0);
    return c;
  }
  Json rpc(httplib::Client& c, const Json& body, const httplib::Headers& h, int want_status = 200) {
    auto res = c.Post("/ui/rpc", h, body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, want_status) << res->body;
    return Json::parse(res->body, nullptr, false);
  }

 public:
  // The events of one connection, as (name, data, id) triples.
  std::vector<std::tuple<std::string, std::string, std::string>> events(const httplib::Headers& h) {
    auto c = client();
    auto res = c.Get("/ui/jobs/job-1/events", h);
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    std::vector<std::tuple<std::string, std::string, std::string>> out;
    if (!res) return out;
    size_t pos = 0;
    for (size_t end; (end = res->body.find("\n\n", pos)) != std::string::npos; pos = end + 2) {
      std::string name, data, id;
      const std::string block = res->body.substr(pos, end - pos);
      size_t p = 0;
      while (p < block.size()) {
        const size_t nl = std::min(block.find('\n', p), block.size());
        const std::string line = block.substr(p, nl - p);
        if (line.rfind("event: ", 0) == 0) name = line.substr(7);
        if (line.rfind("data: ", 0) == 0) data = line.substr(6);
        if (line.rfind("id: ", 0) == 0) id = line.substr(4);
        p = nl + 1;
      }
      if (!name.empty()) out.emplace_back(name, data, id);
    }
    return out;
  }


 protected:
  mcp::Server server_;
  FakeJob job_;
  std::unique_ptr<Dashboard> dashboard_;
  std::unique_ptr<mcp::HttpTransport> transport_;
  std::thread thread_;
  int port_ = 0;
};

// The token "s;cret x" as the login form's cookie holds it (hex).
const httplib::Headers kCookie = {{"Cookie", "other=1; llmcp_token=733b637265742078"}};

TEST_F(DashboardTest, LoginSetsAnHttpOnlyCookieAndAWrongTokenGets401) {
  start("s;cret x");
  auto c = client();
  auto page = c.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("action=\"/ui/login\""), std::string::npos) << "the login page, without the token";
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"), std::string::npos);
  auto wrong = c.Post("/ui/login", "token=nope", "application/x-www-form-urlencoded");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_NE(wrong->body.find("role=\"alert\""), std::string::npos);
  EXPECT_TRUE(wrong->get_header_value("Set-Cookie").empty());
  auto right = c.Post("/ui/login", "token=s%3Bcret+x", "application/x-www-form-urlencoded");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 303);
  EXPECT_EQ(right->get_header_value("Set-Cookie"), "llmcp_token=733b637265742078; HttpOnly; SameSite=Strict; Path=/");
  auto in = c.Get("/", kCookie);
  ASSERT_TRUE(in);
  EXPECT_NE(in->body.find("/assets/app.js"), std::string::npos) << "the dashboard, with the cookie";
  auto logout = c.Post("/ui/logout", kCookie, "", "application/x-www-form-urlencoded");
  ASSERT_TRUE(logout);
  EXPECT_NE(logout->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
}

TEST_F(DashboardTest, TheTokenComesFromTheBearerHeaderOrTheCookie) {
  start("s;cret x");
  auto c = client();
  const Json list = {{"method", "tools/list"}};
  rpc(c, list, {}, 401);
  rpc(c, list, {{"Cookie", "llmcp_token=733b637265"}}, 401);
  rpc(c, list, {{"Cookie", "llmcp_token=s;cret x"}}, 401);
  rpc(c, list, {{"Cookie", "llmcp_token=733b637265742078z"}}, 401);
  rpc(c, list, {{"Cookie", "llmcp_token="}}, 401);
  rpc(c, list, {{"Authorization", "Bearer nope"}}, 401);
  EXPECT_EQ(rpc(c, list, {{"Authorization", "Bearer s;cret x"}})["result"]["tools"][0]["name"], "echo");
  EXPECT_EQ(rpc(c, list, kCookie)["result"]["tools"][0]["name"], "echo");
  auto events = c.Get("/ui/jobs/job-1/events");
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 401);
}

TEST_F(DashboardTest, RpcRunsMcpRequestsInProcessAndOnlyThePagesOnes) {
  start("");
  auto c = client();
  const auto ok = rpc(c, {{"method", "tools/call"}, {"params", {{"name", "echo"}, {"arguments", {{"n", 3}}}}}}, {});
  EXPECT_EQ(ok["result"]["structuredContent"]["n"], 3);
  const auto invalid = rpc(c, {{"method", "tools/call"}, {"params", {{"name", "echo"}, {"arguments", {{"n", -1}}}}}}, {});
  EXPECT_TRUE(invalid["result"]["isError"].get<bool>() || invalid.contains("error")) << invalid.dump();
  const auto unknown = rpc(c, {{"method", "tools/call"}, {"params", {{"name", "nope"}}}}, {});
  EXPECT_TRUE(unknown.contains("error") || unknown["result"].value("isError", false)) << unknown.dump();
  EXPECT_EQ(rpc(c, {{"method", "initialize"}}, {})["error"]["code"], mcp::kMethodNotFound);
  EXPECT_EQ(rpc(c, {{"method", "resources/read"}, {"params", {{"uri", "llmcp://jobs/job-1/log"}}}}, {})["result"]["contents"][0]["text"],
            "step 1\n");
  rpc(c, Json::array(), {}, 400);
  auto bad = c.Post("/ui/rpc", "{not json", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  auto big = c.Post("/ui/rpc", std::string(1 << 17, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto foreign = c.Post("/ui/rpc", {{"Origin", "https://evil.example"}}, Json{{"method", "tools/list"}}.dump(), "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  auto rebinding = c.Get("/", {{"Host", "evil.example"}});
  ASSERT_TRUE(rebinding);
  EXPECT_EQ(rebinding->status, 403);
}

TEST_F(DashboardTest, AssetsAreCompiledInWithTheChartLibrary) {
  start("");
  auto c = client();
  for (const char* path : {"/assets/app.js", "/assets/jobs.js", "/assets/app.css", "/assets/vendor/uPlot.js",
                           "/assets/vendor/uPlot.css", "/assets/vendor/uPlot-LICENSE.txt"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_GT(res->body.size(), 100u) << path;
  }
  EXPECT_NE(c.Get("/assets/vendor/uPlot.js")->get_header_value("Content-Type").find("javascript"), std::string::npos);
  EXPECT_EQ(c.Get("/assets/nope.js")->status, 404);
  EXPECT_EQ(c.Get("/assets/../CMakeLists.txt")->status, 404);
}

TEST_F(DashboardTest, AJobsEventsResumeAfterTheLastIdResetWhenTheFileShrinksAndEndWhenItFinishes) {
  start("");
  EXPECT_EQ(client().Get("/ui/jobs/job-9/events")->status, 404);
  {
    std::lock_guard lock(job_.mu);
    job_.metrics = "{\"step\":1}\n{\"step\":2}\n{\"step\":3,\"loss\"";  // the third line is being written
    job_.status = "completed";
  }
  auto first = events({});
  ASSERT_GE(first.size(), 5u);
  EXPECT_EQ(first[0], std::make_tuple(std::string("metric"), std::string("{\"step\":1}"), std::string("1")));
  EXPECT_EQ(first[1], std::make_tuple(std::string("metric"), std::string("{\"step\":2}"), std::string("2")));
  EXPECT_EQ(std::get<0>(first[2]), "job");
  EXPECT_EQ(Json::parse(std::get<1>(first[2]))["status"], "completed");
  EXPECT_EQ(first[3], std::make_tuple(std::string("log"), Json("step 1\n").dump(), std::string()));
  EXPECT_EQ(std::get<0>(first.back()), "end");
  {
    std::lock_guard lock(job_.mu);
    job_.metrics = "{\"step\":1}\n{\"step\":2}\n{\"step\":3}\n";
  }
  auto resumed = events({{"Last-Event-ID", "2"}});
  ASSERT_GE(resumed.size(), 2u);
  EXPECT_EQ(resumed[0], std::make_tuple(std::string("metric"), std::string("{\"step\":3}"), std::string("3")));
  EXPECT_EQ(std::get<0>(resumed[1]), "job");
  auto shrunk = events({{"Last-Event-ID", "7"}});
  ASSERT_GE(shrunk.size(), 4u);
  EXPECT_EQ(std::get<0>(shrunk[0]), "reset");
  EXPECT_EQ(std::get<2>(shrunk[1]), "1");
  EXPECT_EQ(std::get<2>(shrunk[3]), "3");
}

TEST_F(DashboardTest, ARunningJobsStreamCarriesLinesAsTheyArrive) {
  start("");
  std::thread writer([this] {
    for (int i = 1; i <= 3; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      std::lock_guard lock(job_.mu);
      job_.metrics += "{\"step\":" + std::to_string(i) + "}\n";
      if (i == 3) job_.status = "cancelled";
    }
  });
  auto got = events({});
  writer.join();
  std::vector<std::string> ids;
  for (const auto& [name, data, id] : got)
    if (name == "metric") ids.push_back(id);
  EXPECT_EQ(ids, (std::vector<std::string>{"1", "2", "3"}));
  int jobs = 0;
  for (const auto& e : got) jobs += std::get<0>(e) == "job";
  EXPECT_GE(jobs, 2) << "the record again when its status changed";
  EXPECT_EQ(std::get<0>(got.back()), "end");
}

// One connection while the file changes under it: each of `texts` in turn, the next once the
// stream has read the one before, then the job completes. The metric lines it got ("line#id"),
// and "reset" where it said so.
std::vector<std::string> lines_seen(DashboardTest& t, FakeJob& job, const std::vector<std::string>& texts) {
  int reads = 0;
  {
    std::lock_guard lock(job.mu);
    job.metrics = texts.front();
    reads = job.metric_reads;
  }
  std::thread writer([&] {
    for (size_t i = 1; i <= texts.size();) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      std::lock_guard lock(job.mu);
      if (job.metric_reads == reads) continue;
      reads = job.metric_reads;
      if (i < texts.size()) job.metrics = texts[i];
      else job.status = "completed";
      ++i;
    }
  });
  std::vector<std::string> out;
  for (const auto& [name, data, id] : t.events({})) {
    if (name == "reset") out.emplace_back("reset");
    if (name == "metric") out.push_back(std::string(data).append("#").append(id));
  }
  writer.join();
  return out;
}

TEST_F(DashboardTest, AFileCutBackAndGrownAgainWithinATickIsSentAgain) {
  start("");
  EXPECT_EQ(lines_seen(*this, job_, {"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", "{\"b\":1}\n{\"b\":2}\n{\"b\":3}\n{\"b\":4}\n"}),
            (std::vector<std::string>{"{\"a\":1}#1", "{\"a\":2}#2", "{\"a\":3}#3", "reset", "{\"b\":1}#1", "{\"b\":2}#2",
                                      "{\"b\":3}#3", "{\"b\":4}#4"}));
}

TEST_F(DashboardTest, AWindowThatSlidesOverALongFileSendsOnlyTheNewLines) {
  start("");
  EXPECT_EQ(lines_seen(*this, job_, {"{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n", "{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{\"a\":5}\n"}),
            (std::vector<std::string>{"{\"a\":1}#1", "{\"a\":2}#2", "{\"a\":3}#3", "{\"a\":4}#3", "{\"a\":5}#4"}));
}

}  // namespace
}  // namespace llmcp::web
