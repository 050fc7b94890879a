// Every llm-mcp tool's handler in-process, one test per tool group: a valid call succeeds with
// structured content (the server checks it against the tool's own output schema, so a success
// is a conforming result) holding what the call asked for, and a wrong call comes back as a tool
// error whose message names what to fix, never a crash or a protocol error. A test also checks
// that the list below covers every tool the server registers.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "in_process_server.h"
#include "test_util.h"

namespace llmcp::mcp {
namespace {

namespace fs = std::filesystem;

class ToolHandlers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tmp_ = new testing::TempDir; }
  static void TearDownTestSuite() { delete tmp_; }
  static fs::path home() { return tmp_->path() / "home"; }

  // A successful call; its structured content.
  Json ok(const std::string& tool, const Json& args) {
    const Json r = server_.call(tool, args);
    EXPECT_FALSE(r.value("isError", false)) << tool << " " << args.dump() << ": " << r.dump();
    EXPECT_TRUE(r.contains("structuredContent") && r["structuredContent"].is_object()) << tool << ": " << r.dump();
    called_.insert(tool);
    return r.value("structuredContent", Json::object());
  }
  // A tool error whose text holds `why`.
  void refused(const std::string& tool, const Json& args, const std::string& why) {
    const Json r = server_.call(tool, args);
    EXPECT_TRUE(r.value("isError", false)) << tool << " " << args.dump() << " was accepted: " << r.dump();
    EXPECT_NE(r.dump().find(why), std::string::npos) << tool << " " << args.dump() << ": " << r.dump();
  }
  Json wait_for(const std::string& job_id, const std::string& status) {
    Json j;
    for (int i = 0; i < 60; ++i) {
      j = ok("get_job", {{"job_id", job_id}, {"wait_seconds", 5}});
      if (j["status"] == status) break;
    }
    EXPECT_EQ(j["status"], status) << j.dump();
    return j;
  }

  static testing::TempDir* tmp_;
  static std::set<std::string> called_;
  InProcessServer server_{home()};
};
testing::TempDir* ToolHandlers::tmp_ = nullptr;
std::set<std::string> ToolHandlers::called_;

const Json kChat = Json::array({{{"role", "user"}, {"content", "Hi"}}});

TEST_F(ToolHandlers, Models) {
  const Json models = ok("list_models", Json::object());
  ASSERT_FALSE(models["models"].empty());
  EXPECT_EQ(models["models"][0]["name"], "demo-base");
  const Json info = ok("model_info", {{"model", "demo-base"}});
  EXPECT_EQ(info["architecture"], "LlamaForCausalLM");
  EXPECT_GT(info["parameters"].get<int64_t>(), 0);
  refused("model_info", {{"model", "no-such-model"}}, "no config.json");
  refused("model_info", Json::object(), "model");
  // A local folder is copied into the workspace's models/ (no network).
  const Json copy = ok("download_model", {{"model", (testing::source_dir() / "examples/demo-base").string()},
                                          {"name", "copied"}});
  EXPECT_TRUE(fs::exists(home() / "models" / "copied" / "config.json")) << copy.dump();
  refused("download_model", {{"model", "not a repo id"}}, "Hub id");
}

TEST_F(ToolHandlers, Planning) {
  const Json e = ok("estimate_memory", {{"model", "demo-base"}, {"method", "qlora"}});
  EXPECT_GT(e["total_bytes"].get<int64_t>(), 0) << e.dump();
  refused("estimate_memory", {{"model", "demo-base"}, {"method", "bogus"}}, "method");
  const Json r = ok("recommend_config", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}});
  EXPECT_TRUE(r["config"].contains("method")) << r.dump();
  refused("recommend_config", {{"model", "demo-base"}, {"dataset", "missing.jsonl"}}, "missing.jsonl");
}

TEST_F(ToolHandlers, Data) {
  const Json v = ok("validate_dataset", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}});
  EXPECT_EQ(v["errors_total"], 0) << v.dump();
  refused("validate_dataset", {{"model", "demo-base"}, {"dataset", "missing.jsonl"}}, "missing.jsonl");
}

TEST_F(ToolHandlers, Inference) {
  const Json g = ok("generate", {{"model", "demo-base"}, {"prompt", "Hi"}, {"max_new_tokens", 3}});
  EXPECT_LE(g["completion_tokens"].get<int64_t>(), 3);
  refused("generate", {{"model", "demo-base"}, {"prompt", "Hi"}, {"max_new_tokens", -1}}, "max_new_tokens");
  const Json c = ok("chat", {{"model", "demo-base"}, {"messages", kChat}, {"max_new_tokens", 3}});
  EXPECT_TRUE(c.contains("content")) << c.dump();
  refused("chat", {{"model", "demo-base"}, {"messages", Json::array()}}, "messages");
  const Json ev = ok("evaluate", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"batch_size", 4}});
  EXPECT_GT(ev["tokens"].get<int64_t>(), 0) << ev.dump();
  refused("evaluate", {{"model", "demo-base"}, {"dataset", "missing.jsonl"}}, "missing.jsonl");
}

// Jobs and the adapter they leave: start, watch, cancel, resume, then load, use, unload and merge it.
TEST_F(ToolHandlers, TrainingAndAdapters) {
  const Json config = {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"max_steps", 40},
                       {"save_steps", 2}, {"batch_size", 2}};
  const Json started = ok("start_training", {{"config", config}, {"name", "handlers"}});
  const std::string id = started["job_id"];
  refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"lora_rnk", 8}}}},
          "lora_rank");
  // Files the run would read are checked by the call, with the key to fix, and no job is made.
  const size_t jobs_before = ok("list_jobs", Json::object())["jobs"].size();
  refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "nope.jsonl"}}}}, "dataset '");
  refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"eval_dataset", "nope.jsonl"}}}},
          "eval_dataset '");
  refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "."}}}}, "is not a file");
  refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"chat_template", "t/none.jinja"}}}},
          "chat_template '");
  EXPECT_EQ(ok("list_jobs", Json::object())["jobs"].size(), jobs_before);
  // Cancel once a checkpoint exists, then resume to the end.
  for (int i = 0; i < 120; ++i) {
    const Json j = ok("get_job", {{"job_id", id}, {"wait_seconds", 1}});
    if (!j["last_checkpoint"].is_null() || j["status"] != "running") break;
  }
  ok("cancel_job", {{"job_id", id}});
  wait_for(id, "cancelled");
  refused("cancel_job", {{"job_id", "job-999"}}, "no job");
  ok("resume_job", {{"job_id", id}});
  EXPECT_EQ(wait_for(id, "completed")["step"], 40);
  refused("resume_job", {{"job_id", id}}, id);
  refused("get_job", {{"job_id", "job-999"}}, "no job");
  const Json jobs = ok("list_jobs", Json::object());
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  EXPECT_EQ(jobs["jobs"][0]["job_id"], id);
  refused("list_jobs", {{"status", "sleeping"}}, "status");

  const Json adapters = ok("list_adapters", Json::object());
  ASSERT_EQ(adapters["adapters"].size(), 1u) << adapters.dump();
  const std::string adapter = adapters["adapters"][0]["name"];
  const Json loaded = ok("load_adapter", {{"adapter", adapter}, {"model", "demo-base"}, {"name", "a"}});
  EXPECT_EQ(loaded["name"], "a") << loaded.dump();
  ok("chat", {{"model", "demo-base"}, {"adapter", "a"}, {"messages", kChat}, {"max_new_tokens", 2}});
  refused("load_adapter", {{"adapter", "missing"}}, "missing");
  ok("unload_adapter", {{"name", "a"}});
  refused("unload_adapter", {{"name", "a"}}, "a");
  const Json merged = ok("merge_adapter", {{"adapter", adapter}, {"output", "merged"}});
  EXPECT_TRUE(fs::exists(home() / "models" / "merged" / "model.safetensors")) << merged.dump();
  refused("merge_adapter", {{"adapter", "missing"}, {"output", "merged2"}}, "missing");
}

// Runs last (gtest keeps the order of a file): every registered tool was called successfully above.
TEST_F(ToolHandlers, ZCoversEveryTool) {
  std::set<std::string> registered;
  const Json listed = server_.request("tools/list", Json::object());  // named: the loop reads into it
  for (const auto& t : listed["result"]["tools"]) registered.insert(t["name"]);
  for (const auto& name : registered) EXPECT_TRUE(called_.count(name)) << "no handler test calls " << name;
}

}  // namespace
}  // namespace llmcp::mcp
