// The llm-mcp tools in-process against a workspace a hostile client prepared (issue 22): every
// tool that takes a name or a path, given a symlink that leads out of the workspace (for reading
// and for writing, dangling or not), is refused and writes nothing outside; names must be names;
// lists show only what the tools accept; default run names are unique per job; a training job's
// child checks its output folder again right before writing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "in_process_server.h"
#include "mcp/app.h"
#include "test_util.h"

namespace llmcp::mcp {
namespace {

namespace fs = std::filesystem;

class WorkspaceTools : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir;
    fs::create_directories(home() / "adapters");
    fs::create_directories(outside());
    // A real adapter in the workspace (for merge and load_adapter) and one outside it.
    for (const fs::path& out : {home() / "adapters" / "good", outside() / "adapter"}) {
      auto r = testing::run_command(testing::cli_path() + " train " + (testing::source_dir() / "examples/lora.yaml").string() +
                                    " --set max_steps=1 --set output_dir=" + out.string() + " 2>&1");
      ASSERT_EQ(r.status, 0) << r.output;
    }
    fs::copy(testing::source_dir() / "examples/demo-base", outside() / "model", fs::copy_options::recursive);
    fs::copy(testing::source_dir() / "examples/data/tool_calls_sample.jsonl", outside() / "d.jsonl");
    std::ofstream(outside() / "c.yaml") << "model: demo-base\ndataset: tool_calls_sample.jsonl\nmax_steps: 1\n";
  }
  static void TearDownTestSuite() { delete tmp_; }
  static fs::path home() { return tmp_->path() / "home"; }
  static fs::path outside() { return tmp_->path() / "outside"; }

  Json request(const std::string& method, Json params) { return server_.request(method, std::move(params)); }
  Json call(const std::string& tool, Json args) { return server_.call(tool, std::move(args)); }
  static std::string text(const Json& result) { return result.dump(); }
  void expect_refused(const std::string& tool, const Json& args, const std::string& why) {
    const Json r = call(tool, args);
    EXPECT_TRUE(r.value("isError", false)) << tool << " " << args.dump() << " was accepted: " << text(r);
    EXPECT_NE(text(r).find(why), std::string::npos) << tool << " " << args.dump() << ": " << text(r);
  }
  static void link(const fs::path& target, const fs::path& at) {
    std::error_code ec;
    fs::remove(at, ec);
    fs::create_directory_symlink(target, at);
  }
  static size_t entries(const fs::path& dir) {
    size_t n = 0;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator(); ++it) ++n;
    return n;
  }

  static testing::TempDir* tmp_;
  InProcessServer server_{home()};
};
testing::TempDir* WorkspaceTools::tmp_ = nullptr;

TEST_F(WorkspaceTools, EveryToolRefusesASymlinkOutOfTheWorkspace) {
  link(outside() / "model", home() / "models" / "evil_model");
  link(outside() / "adapter", home() / "adapters" / "evil_adapter");
  fs::remove(home() / "datasets" / "evil.jsonl");
  fs::create_symlink(outside() / "d.jsonl", home() / "datasets" / "evil.jsonl");
  fs::remove(home() / "datasets" / "evil.yaml");
  fs::create_symlink(outside() / "c.yaml", home() / "datasets" / "evil.yaml");
  const std::string out = "outside the folders this server may";
  // Reads.
  expect_refused("model_info", {{"model", "evil_model"}}, out);
  expect_refused("generate", {{"model", "evil_model"}, {"prompt", "hi"}}, out);
  expect_refused("chat", {{"model", "evil_model"}, {"messages", {{{"role", "user"}, {"content", "hi"}}}}}, out);
  expect_refused("evaluate", {{"model", "evil_model"}, {"dataset", "tool_calls_sample.jsonl"}}, out);
  expect_refused("evaluate", {{"model", "demo-base"}, {"dataset", "evil.jsonl"}}, out);
  expect_refused("evaluate", {{"model", "demo-base"}, {"adapter", "evil_adapter"}, {"dataset", "tool_calls_sample.jsonl"}}, out);
  expect_refused("estimate_memory", {{"model", "evil_model"}}, out);
  expect_refused("recommend_config", {{"model", "evil_model"}, {"dataset", "tool_calls_sample.jsonl"}}, out);
  expect_refused("validate_dataset", {{"dataset", "evil.jsonl"}, {"model", "demo-base"}}, out);
  expect_refused("start_training", {{"config", {{"model", "evil_model"}, {"dataset", "tool_calls_sample.jsonl"}}}}, out);
  expect_refused("start_training", {{"config", {{"model", "demo-base"}, {"dataset", "evil.jsonl"}}}}, out);
  expect_refused("start_training", {{"config_path", "datasets/evil.yaml"}}, out);
  expect_refused("load_adapter", {{"adapter", "evil_adapter"}, {"model", "demo-base"}}, out);
  expect_refused("merge_adapter", {{"adapter", "evil_adapter"}, {"model", "demo-base"}, {"output", "m1"}}, out);
  expect_refused("download_model", {{"model", "models/evil_model"}, {"name", "copy"}}, out);
  auto res = request("resources/read", {{"uri", "llmcp://adapters/evil_adapter/config"}});
  EXPECT_TRUE(res.contains("error")) << res.dump();

  // Writes: a name whose folder is a symlink out (to an existing folder, or dangling).
  link(outside() / "w1", home() / "adapters" / "evil_out");
  fs::create_directories(outside() / "w1");
  link(outside() / "w-new", home() / "adapters" / "evil_new");  // dangling
  link(outside() / "w2", home() / "models" / "evil_merge");     // dangling
  link(outside() / "w3", home() / "models" / "evil_dl");        // dangling
  const Json cfg = {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"max_steps", 1}};
  expect_refused("start_training", {{"name", "evil_out"}, {"config", cfg}}, "outside the folders this server may write");
  expect_refused("start_training", {{"name", "evil_new"}, {"config", cfg}}, "outside the folders this server may write");
  expect_refused("merge_adapter", {{"adapter", "good"}, {"model", "demo-base"}, {"output", "evil_merge"}},
                 "outside the folders this server may write");
  expect_refused("download_model", {{"model", (testing::source_dir() / "examples/demo-base").string()}, {"name", "evil_dl"}},
                 "outside the folders this server may write");
  // Names are names.
  for (const std::string& bad : std::vector<std::string>{"../../tmp/x", "/tmp/x", "a/b", ".hidden", ".."}) {
    expect_refused("load_adapter", {{"adapter", "good"}, {"model", "demo-base"}, {"name", bad}}, "must be a plain name");
    expect_refused("start_training", {{"name", bad}, {"config", cfg}}, "must be a plain name");
    expect_refused("merge_adapter", {{"adapter", "good"}, {"model", "demo-base"}, {"output", bad}}, "must be a plain name");
  }
  // Nothing was written outside.
  EXPECT_EQ(entries(outside() / "w1"), 0u);
  for (const char* f : {"w-new", "w2", "w3"}) EXPECT_FALSE(fs::exists(outside() / f)) << f;
}

// Hub ids are read from the Hugging Face cache only: a snapshot whose files lead out of it is
// refused by every tool that takes a model, and not listed; a sound one is used and listed.
TEST_F(WorkspaceTools, HubSnapshotsLeadingOutOfTheCacheAreRefused) {
  const fs::path cache = tmp_->path() / "hf-cache";
  ::setenv("HF_HUB_CACHE", cache.c_str(), 1);
  const std::string commit(40, 'a');
  for (const std::string repo : {"ok", "evil"}) {
    const fs::path dir = cache / ("models--org--" + repo);
    fs::create_directories(dir / "refs");
    std::ofstream(dir / "refs" / "main") << commit;
    fs::create_directories(dir / "snapshots" / commit);
    fs::create_directories(dir / "blobs");
    for (const auto& f : fs::directory_iterator(testing::source_dir() / "examples/demo-base")) {
      const std::string name = f.path().filename().string();
      if (repo == "evil" && name == "config.json") {
        fs::create_symlink(outside() / "model" / name, dir / "snapshots" / commit / name);
        continue;
      }
      fs::copy_file(f.path(), dir / "blobs" / name);
      fs::create_symlink("../../blobs/" + name, dir / "snapshots" / commit / name);
    }
  }
  const Json ok = call("model_info", {{"model", "org/ok"}});
  EXPECT_FALSE(ok.value("isError", false)) << text(ok);
  const std::string out = "outside the Hugging Face cache";
  expect_refused("model_info", {{"model", "org/evil"}}, out);
  expect_refused("generate", {{"model", "org/evil"}, {"prompt", "hi"}}, out);
  expect_refused("estimate_memory", {{"model", "org/evil"}, {"method", "lora"}}, out);
  expect_refused("start_training", {{"config", {{"model", "org/evil"}, {"dataset", "tool_calls_sample.jsonl"}}}}, out);
  expect_refused("model_info", {{"model", "org/missing"}}, "download_model");
  const Json models = call("list_models", Json::object())["structuredContent"]["models"];
  std::vector<std::string> hub;
  for (const auto& m : models)
    if (m["source"] == "hub-cache") hub.push_back(m["name"]);
  EXPECT_EQ(hub, std::vector<std::string>{"org/ok"});
  ::unsetenv("HF_HUB_CACHE");
}

TEST_F(WorkspaceTools, ListsShowOnlyWhatTheToolsAccept) {
  link(outside() / "model", home() / "models" / "evil_model");
  link(outside() / "adapter", home() / "adapters" / "evil_adapter");
  const std::string models = text(call("list_models", Json::object()));
  EXPECT_EQ(models.find("evil_model"), std::string::npos) << models;
  EXPECT_NE(models.find("demo-base"), std::string::npos) << models;
  const std::string adapters = text(call("list_adapters", Json::object()));
  EXPECT_EQ(adapters.find("evil_adapter"), std::string::npos) << adapters;
  EXPECT_NE(adapters.find("\"good\""), std::string::npos) << adapters;
  const std::string resources = request("resources/list", Json::object()).dump();
  EXPECT_EQ(resources.find("evil_adapter"), std::string::npos) << resources;
}

// Two runs started at once without a name get their own folders (named after the job); the same
// name twice while the first still runs is refused in MCP's terms.
TEST_F(WorkspaceTools, RunNamesAreUniqueAndErrorsSpeakMcp) {
  const Json cfg = {{"model", "demo-base"}, {"dataset", "tool_calls_sample.jsonl"}, {"max_steps", 1}};
  const Json a = call("start_training", {{"config", cfg}});
  const Json b = call("start_training", {{"config", cfg}});
  ASSERT_FALSE(a.value("isError", false)) << text(a);
  ASSERT_FALSE(b.value("isError", false)) << text(b);
  const auto& ja = a["structuredContent"];
  const auto& jb = b["structuredContent"];
  EXPECT_NE(ja["output_dir"], jb["output_dir"]);
  EXPECT_NE(ja["name"].get<std::string>().find(ja["job_id"].get<std::string>()), std::string::npos) << ja.dump();
  const Json c1 = call("start_training", {{"name", "same"}, {"config", cfg}});
  ASSERT_FALSE(c1.value("isError", false)) << text(c1);
  const Json c2 = call("start_training", {{"name", "same"}, {"config", cfg}});
  EXPECT_TRUE(c2.value("isError", false)) << text(c2);
  EXPECT_EQ(text(c2).find("--resume"), std::string::npos) << text(c2);
  for (const Json* j : {&a, &b, &c1}) call("cancel_job", {{"job_id", (*j)["structuredContent"]["job_id"]}, {"force", true}});
}

// evaluate takes a loaded adapter's name, as generate and chat do; a prompt over the context is a
// clear error, not a libtorch stack.
TEST_F(WorkspaceTools, EvaluateTakesLoadedNamesAndLongPromptsAreClearErrors) {
  const Json loaded = call("load_adapter", {{"adapter", "good"}, {"model", "demo-base"}, {"name", "a1"}});
  ASSERT_FALSE(loaded.value("isError", false)) << text(loaded);
  const Json e = call("evaluate", {{"model", "demo-base"}, {"adapter", "a1"}, {"dataset", "tool_calls_sample.jsonl"},
                                   {"tool_calls", false}});
  EXPECT_FALSE(e.value("isError", false)) << text(e);
  std::string prompt;
  for (int i = 0; i < 1500; ++i) prompt += "a b ";
  const Json g = call("generate", {{"model", "demo-base"}, {"prompt", prompt}});
  EXPECT_TRUE(g.value("isError", false));
  EXPECT_NE(text(g).find("but the model's context is 1024 tokens"), std::string::npos) << text(g);
  EXPECT_EQ(text(g).find("frame #"), std::string::npos);
  const Json t = call("generate", {{"model", "demo-base"}, {"prompt", prompt}, {"max_new_tokens", 2}, {"truncate", true}});
  EXPECT_FALSE(t.value("isError", false)) << text(t);
  EXPECT_GT(t["structuredContent"]["truncated_tokens"].get<int64_t>(), 0);
}

// The child re-checks its output folder right before writing: a symlink that appeared after the
// server validated the path is refused, and nothing is written through it.
TEST_F(WorkspaceTools, AJobChecksItsOutputAgainBeforeWriting) {
  const fs::path job = tmp_->path() / "job";
  fs::create_directories(job);
  fs::create_directories(outside() / "late");
  link(outside() / "late", home() / "adapters" / "late");
  std::ofstream(job / "config.json") << Json{{"model", (testing::source_dir() / "examples/demo-base").string()},
                                             {"dataset", (testing::source_dir() / "examples/data/text.jsonl").string()},
                                             {"output_dir", (home() / "adapters" / "late").string()},
                                             {"max_steps", 1}}.dump();
  auto r = testing::run_command(testing::cli_path() + " train " + (job / "config.json").string() + " --job-dir " +
                                job.string() + " --confine-to " + home().string() + " 2>&1");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("outside the folders this run may write"), std::string::npos) << r.output;
  EXPECT_EQ(entries(outside() / "late"), 0u);
  EXPECT_TRUE(fs::exists(job / "error.json"));
}

}  // namespace
}  // namespace llmcp::mcp
