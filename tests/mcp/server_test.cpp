// The dispatcher against the MCP rules our own suite must cover (the official conformance suite
// does not): lifecycle and version negotiation, error codes, pagination, cancellation of a
// running tool call, tasks, output-schema enforcement, logging levels, progress.
#include "mcp/server.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

namespace llmcp::mcp {
namespace {

using namespace std::chrono_literals;

// Collects what the server sends on a request's stream and the session's stream.
struct Collector {
  std::mutex mu;
  std::vector<Json> messages;
  Sink sink() {
    return [this](const Json& m) {
      std::lock_guard lock(mu);
      messages.push_back(m);
      return true;
    };
  }
  std::vector<Json> with_method(const std::string& method) {
    std::lock_guard lock(mu);
    std::vector<Json> out;
    for (const auto& m : messages)
      if (m.value("method", "") == method) out.push_back(m);
    return out;
  }
};

Tool tool(const std::string& name, std::function<ToolResult(const Json&, CallContext&)> handler,
          TaskSupport tasks = TaskSupport::kForbidden) {
  Tool t;
  t.name = name;
  t.description = "test tool " + name;
  t.input_schema = {{"type", "object"},
                    {"properties", {{"text", {{"type", "string"}}}, {"n", {{"type", "integer"}}}}},
                    {"additionalProperties", false}};
  t.handler = std::move(handler);
  t.task_support = tasks;
  return t;
}

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : server_(ServerOptions{"test", "1", "", 2, 5000ms}) {
    auto& reg = server_.registry();
    Tool echo = tool("echo", [](const Json& a, CallContext&) {
      ToolResult r;
      r.structured = {{"text", a.value("text", "")}};
      return r;
    });
    echo.output_schema = {{"type", "object"}, {"properties", {{"text", {{"type", "string"}}}}}, {"required", {"text"}}};
    reg.add_tool(echo);
    Tool liar = echo;
    liar.name = "liar";
    liar.handler = [](const Json&, CallContext&) {
      ToolResult r;
      r.structured = {{"text", 5}};
      return r;
    };
    reg.add_tool(liar);
    reg.add_tool(tool("wait_for_cancel", [this](const Json&, CallContext& ctx) {
      started_.set_value();
      for (int i = 0; i < 500 && !ctx.cancelled(); ++i) std::this_thread::sleep_for(10ms);
      saw_cancel_ = ctx.cancelled();
      return ToolResult::error("stopped");
    }, TaskSupport::kOptional));
    reg.add_tool(tool("slow", [](const Json& a, CallContext& ctx) {
      for (int i = 1; i <= 3; ++i) {
        std::this_thread::sleep_for(30ms);
        ctx.progress(i, 3);
        ctx.progress(i - 0.5, 3);  // not increasing: dropped
        ctx.status("step " + std::to_string(i));  // a task's statusMessage
      }
      ctx.log(LogLevel::kInfo, "info line");
      ctx.log(LogLevel::kError, "error line");
      ToolResult r;
      r.text = "done " + std::to_string(a.value("n", 0));
      return r;
    }, TaskSupport::kOptional));
    reg.add_tool(tool("task_only", [](const Json&, CallContext&) { return ToolResult{}; }, TaskSupport::kRequired));
    session_ = server_.new_session("s1");
  }

  Json request(const std::string& method, Json params = nullptr, Sink related = {}) {
    Message m;
    m.kind = Message::Kind::kRequest;
    m.id = ++id_;
    m.method = method;
    m.params = std::move(params);
    auto r = server_.handle(session_, m, related ? related : collector_.sink());
    return r ? *r : Json();
  }
  void notify(const std::string& method, Json params) {
    Message m;
    m.kind = Message::Kind::kNotification;
    m.method = method;
    m.params = std::move(params);
    server_.handle(session_, m, {});
  }
  void initialize(const std::string& version = "2025-11-25") {
    auto r = request("initialize", {{"protocolVersion", version}, {"capabilities", Json::object()},
                                    {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    ASSERT_TRUE(r.contains("result")) << r.dump();
    session_->set_standalone(standalone_.sink());
  }
  static int code(const Json& r) { return r.contains("error") ? r["error"]["code"].get<int>() : 0; }

  Server server_;
  std::shared_ptr<Session> session_;
  Collector collector_, standalone_;
  int64_t id_ = 0;
  std::promise<void> started_;
  std::atomic<bool> saw_cancel_{false};
};

TEST_F(ServerTest, NegotiatesTheProtocolVersion) {
  auto r = request("initialize", {{"protocolVersion", "2025-06-18"}, {"capabilities", Json::object()}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_FALSE(r["result"]["capabilities"].contains("tasks"));  // tasks are 2025-11-25's
  EXPECT_EQ(code(request("initialize", {{"protocolVersion", "2025-06-18"}})), kInvalidRequest);  // twice

  session_ = server_.new_session("s2");
  r = request("initialize", {{"protocolVersion", "1999-01-01"}});
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tasks"));

  session_ = server_.new_session("s3");
  EXPECT_EQ(code(request("initialize", Json::object())), kInvalidParams);
}

TEST_F(ServerTest, OnlyPingAndInitializeBeforeInitialization) {
  EXPECT_EQ(request("ping")["result"], Json::object());
  EXPECT_EQ(code(request("tools/list")), kInvalidRequest);
  initialize();
  EXPECT_EQ(request("tools/list")["result"]["tools"].size(), 2u);  // page size 2
}

TEST_F(ServerTest, ErrorCodes) {
  initialize();
  EXPECT_EQ(code(request("no/such/method")), kMethodNotFound);
  EXPECT_EQ(code(request("tools/call", {{"name", "nope"}})), kInvalidParams);
  EXPECT_EQ(code(request("tools/call", Json::object())), kInvalidParams);
  EXPECT_EQ(code(request("tools/call", {{"name", "echo"}, {"arguments", "x"}})), kInvalidParams);
  EXPECT_EQ(code(request("tools/call", Json::array({1}))), kInvalidParams);
  EXPECT_EQ(code(request("resources/read", {{"uri", "x://none"}})), kResourceNotFound);
  EXPECT_EQ(code(request("prompts/get", {{"name", "none"}})), kInvalidParams);
  EXPECT_EQ(code(request("logging/setLevel", {{"level", "loud"}})), kInvalidParams);
  // Bad arguments are a tool error the model can read, not a protocol error.
  auto r = request("tools/call", {{"name", "echo"}, {"arguments", {{"txt", "a"}}}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("unknown field \"txt\""), std::string::npos);
}

TEST_F(ServerTest, StructuredContentMustMatchTheOutputSchema) {
  initialize();
  auto ok = request("tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}});
  EXPECT_EQ(ok["result"]["structuredContent"]["text"], "hi");
  EXPECT_FALSE(ok["result"].contains("isError"));
  EXPECT_EQ(ok["result"]["content"][0]["type"], "text");
  auto bad = request("tools/call", {{"name", "liar"}});
  EXPECT_EQ(bad["result"]["isError"], true);
  EXPECT_NE(bad["result"]["content"][0]["text"].get<std::string>().find("breaks its schema"), std::string::npos);
}

TEST_F(ServerTest, PaginationWalksEveryToolOnce) {
  initialize();
  std::vector<std::string> names;
  Json cursor;
  int pages = 0;
  do {
    Json params = Json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    auto r = request("tools/list", params)["result"];
    for (const auto& t : r["tools"]) names.push_back(t["name"]);
    cursor = r.value("nextCursor", Json());
    ++pages;
  } while (!cursor.is_null());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(names, (std::vector<std::string>{"echo", "liar", "wait_for_cancel", "slow", "task_only"}));
  auto first = request("tools/list")["result"];
  EXPECT_EQ(code(request("tools/list", {{"cursor", "bogus!"}})), kInvalidParams);
  EXPECT_EQ(code(request("prompts/list", {{"cursor", first["nextCursor"]}})), kInvalidParams);  // another list's
}

TEST_F(ServerTest, CancellationStopsARunningToolAndSuppressesItsResponse) {
  initialize();
  auto done = std::async(std::launch::async, [this] {
    Message m;
    m.kind = Message::Kind::kRequest;
    m.id = "call-1";
    m.method = "tools/call";
    m.params = {{"name", "wait_for_cancel"}};
    return server_.handle(session_, m, collector_.sink());
  });
  started_.get_future().wait();
  notify("notifications/cancelled", {{"requestId", "call-1"}, {"reason", "user"}});
  ASSERT_EQ(done.wait_for(2s), std::future_status::ready);
  EXPECT_FALSE(done.get().has_value());  // no response after a cancellation
  EXPECT_TRUE(saw_cancel_.load());
  notify("notifications/cancelled", {{"requestId", "unknown"}});  // ignored
  EXPECT_EQ(request("ping")["result"], Json::object());
}

TEST_F(ServerTest, ProgressIsStrictlyIncreasingAndLogsFollowTheLevel) {
  initialize();
  request("logging/setLevel", {{"level", "warning"}});
  Collector related;
  auto r = request("tools/call", {{"name", "slow"}, {"arguments", {{"n", 2}}}, {"_meta", {{"progressToken", "tok"}}}},
                   related.sink());
  EXPECT_EQ(r["result"]["content"][0]["text"], "done 2");
  auto progress = related.with_method("notifications/progress");
  ASSERT_EQ(progress.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(progress[i]["params"]["progressToken"], "tok");
    EXPECT_EQ(progress[i]["params"]["progress"], static_cast<double>(i + 1));
    EXPECT_EQ(progress[i]["params"]["total"], 3.0);
  }
  auto logs = related.with_method("notifications/message");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0]["params"]["level"], "error");
  // Without a token, no progress at all.
  Collector quiet;
  request("tools/call", {{"name", "slow"}}, quiet.sink());
  EXPECT_TRUE(quiet.with_method("notifications/progress").empty());
}

TEST_F(ServerTest, TasksGetResultListCancel) {
  initialize();
  auto created = request("tools/call", {{"name", "slow"}, {"arguments", {{"n", 7}}}, {"task", {{"ttl", 60000}}}});
  ASSERT_TRUE(created["result"].contains("task")) << created.dump();
  const std::string id = created["result"]["task"]["taskId"];
  EXPECT_EQ(created["result"]["task"]["status"], "working");
  EXPECT_EQ(created["result"]["task"]["ttl"], 60000);
  auto got = request("tasks/get", {{"taskId", id}, {"task", Json::object()}});  // the SDK sends a stray "task"
  EXPECT_EQ(got["result"]["taskId"], id);
  auto result = request("tasks/result", {{"taskId", id}});  // waits for the work
  EXPECT_EQ(result["result"]["content"][0]["text"], "done 7");
  EXPECT_EQ(result["result"]["_meta"]["io.modelcontextprotocol/related-task"]["taskId"], id);
  EXPECT_EQ(request("tasks/get", {{"taskId", id}})["result"]["status"], "completed");
  EXPECT_EQ(request("tasks/get", {{"taskId", id}})["result"]["statusMessage"], "step 3");
  EXPECT_EQ(code(request("tasks/cancel", {{"taskId", id}})), kInvalidParams);  // already terminal

  // A running task is cancelled: its work sees it, tasks/result reports an error.
  auto waiting = request("tools/call", {{"name", "wait_for_cancel"}, {"task", Json::object()}});
  const std::string wid = waiting["result"]["task"]["taskId"];
  started_.get_future().wait();
  auto cancelled = request("tasks/cancel", {{"taskId", wid}});
  EXPECT_EQ(cancelled["result"]["status"], "cancelled");
  EXPECT_TRUE(code(request("tasks/result", {{"taskId", wid}})) != 0);
  for (int i = 0; i < 200 && !saw_cancel_.load(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(saw_cancel_.load());

  auto list = request("tasks/list")["result"]["tasks"];
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["taskId"], id);
  // Status changes were announced on the session's stream.
  EXPECT_FALSE(standalone_.with_method("notifications/tasks/status").empty());
  EXPECT_EQ(code(request("tasks/get", {{"taskId", "task-none"}})), kInvalidParams);
  // Task support is declared per tool.
  EXPECT_EQ(code(request("tools/call", {{"name", "echo"}, {"task", Json::object()}})), kMethodNotFound);
  EXPECT_EQ(code(request("tools/call", {{"name", "task_only"}})), kMethodNotFound);
}

TEST_F(ServerTest, TasksBelongToTheirSession) {
  initialize();
  auto created = request("tools/call", {{"name", "slow"}, {"task", Json::object()}});
  const std::string id = created["result"]["task"]["taskId"];
  auto mine = session_;
  session_ = server_.new_session("other");
  initialize();
  EXPECT_EQ(code(request("tasks/get", {{"taskId", id}})), kInvalidParams);
  EXPECT_TRUE(request("tasks/list")["result"]["tasks"].empty());
  session_ = mine;
  request("tasks/result", {{"taskId", id}});
}

}  // namespace
}  // namespace llmcp::mcp
