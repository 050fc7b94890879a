// The real server over stdio: a scripted session, and 1,000 random bad messages after which it
// still answers ping (a malformed message must never end the server).
#include <gtest/gtest.h>

#include <random>

#include "mcp/server_process.h"
#include "test_util.h"

namespace llmcp {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

json init_request(int id) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", "initialize"},
          {"params", {{"protocolVersion", "2025-11-25"}, {"capabilities", json::object()},
                      {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}};
}

TEST(StdioTest, AnswersOnStdoutAndOnlyProtocolMessages) {
  testing::TempDir home;
  testing::ServerProcess p({"serve", "--home", home.path().string()});
  p.send_json(init_request(1));
  auto r = p.response(1, 20s);
  ASSERT_FALSE(r.is_null());
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-11-25");
  p.send_json(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  p.send_json(json{{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  r = p.response(2, 20s);
  std::set<std::string> names;
  for (const auto& t : r["result"]["tools"]) names.insert(t["name"]);
  for (const char* expected : {"list_models", "model_info", "download_model", "estimate_memory", "recommend_config",
                               "validate_dataset", "start_training", "get_job", "list_jobs", "cancel_job", "resume_job",
                               "list_adapters", "load_adapter", "unload_adapter", "merge_adapter", "generate", "chat",
                               "evaluate"})
    EXPECT_TRUE(names.count(expected)) << expected;
  EXPECT_FALSE(names.count("test_simple_text"));  // fixtures only with --conformance-fixtures
  p.send("{oops");
  auto line = p.read_line(10s);
  auto err = json::parse(line);
  EXPECT_EQ(err["error"]["code"], -32700);
  EXPECT_TRUE(err["id"].is_null());
  // A path outside the workspace is refused as a tool error.
  p.send_json(json{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"},
              {"params", {{"name", "model_info"}, {"arguments", {{"model", "../../etc"}}}}}});
  r = p.response(3, 20s);
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("outside the folders"), std::string::npos);
  // Every line on stdout was a JSON-RPC message.
  p.close_stdin();
  for (std::string l = p.read_line(10s); !l.empty(); l = p.read_line(2s))
    EXPECT_EQ(json::parse(l).value("jsonrpc", ""), "2.0") << l;
}

// One random malformed or hostile message.
std::string bad_message(std::mt19937& rng) {
  std::uniform_int_distribution<int> pick(0, 11);
  auto rnd = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  static const char* methods[] = {"tools/call", "resources/read", "prompts/get", "tasks/get", "tasks/result",
                                  "tasks/cancel", "completion/complete", "logging/setLevel", "tools/list",
                                  "initialize", "resources/subscribe", "nope"};
  static const json values[] = {nullptr, 1, -1, 1.5, "x", json::array(), json::object(), true, "../../etc/passwd",
                                std::string(3000, 'a'), json::array({1, "a", nullptr}), json{{"a", {{"b", 1}}}}};
  switch (pick(rng)) {
    case 0: {  // random bytes (no newline)
      std::string s(static_cast<size_t>(rnd(200) + 1), '\0');
      for (auto& c : s) c = static_cast<char>(rnd(255) + 1);
      for (auto& c : s)
        if (c == '\n') c = ' ';
      return s;
    }
    case 1: {  // truncated
      std::string s = "{\"jsonrpc\":\"2.0\",\"id\":";
      s.append(std::to_string(rnd(100))).append(",\"method\":\"ping\"");
      return s;
    }
    case 2: return std::string(static_cast<size_t>(rnd(5000) + 1), '[') ;                                // deep nesting
    case 3: return json{{"jsonrpc", "2.0"}, {"id", values[rnd(12)]}, {"method", values[rnd(12)]}}.dump();
    case 4: return json{{"jsonrpc", values[rnd(12)]}, {"id", rnd(1000)}, {"method", "ping"}}.dump();
    case 5: return json::array({values[rnd(12)], values[rnd(12)]}).dump();
    case 6: return json{{"jsonrpc", "2.0"}, {"id", 900000 + rnd(1000)}, {"result", values[rnd(12)]}}.dump();
    case 7: return "\xff\xfe\xc3(\"bad utf8\"";
    default: {
      json params = values[rnd(12)];
      if (params.is_object() && rnd(2)) params = {{"name", values[rnd(12)]}, {"arguments", values[rnd(12)]},
                                                  {"uri", values[rnd(12)]}, {"taskId", values[rnd(12)]},
                                                  {"cursor", values[rnd(12)]}, {"level", values[rnd(12)]}};
      json m{{"jsonrpc", "2.0"}, {"method", methods[rnd(12)]}, {"params", params}};
      if (rnd(4)) m["id"] = std::string("r").append(std::to_string(rnd(1000000)));
      return m.dump();
    }
  }
}

TEST(StdioTest, ThousandBadMessagesLeaveItAnsweringPing) {
  testing::TempDir home;
  testing::ServerProcess p({"serve", "--home", home.path().string()});
  p.send_json(init_request(1));
  ASSERT_FALSE(p.response(1, 20s).is_null());
  std::mt19937 rng(1234);
  for (int i = 0; i < 1000; ++i) p.send(bad_message(rng));
  p.send_json(json{{"jsonrpc", "2.0"}, {"id", "final-ping"}, {"method", "ping"}});
  auto r = p.response("final-ping", 60s);
  ASSERT_FALSE(r.is_null()) << "no answer to ping after the bad messages";
  EXPECT_EQ(r["result"], json::object());
  EXPECT_FALSE(p.exited());
}

}  // namespace
}  // namespace llmcp
