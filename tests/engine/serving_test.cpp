// Serving: models stay loaded between calls, the least recently used one is evicted beyond the
// memory budget, adapters stay registered across an eviction and come back with their model,
// and an adapter changes what the model generates (the base alone when none is named).
#include "engine/serving.h"

#include <gtest/gtest.h>

#include <map>

#include "core/error.h"
#include "engine/training.h"
#include "test_util.h"

namespace llmcp::engine {
namespace {

class ServingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    for (const char* name : {"a", "b"}) {
      CreateModelRequest req;
      req.seed = name[0] == 'a' ? 1 : 2;
      req.out_dir = (dir_->path() / name).string();
      create_model(req);
    }
    // A LoRA adapter for model a whose B matrices are trained away from zero (a few steps at a
    // high learning rate), so it changes the output.
    TrainRequest t;
    t.config = {{"model", (dir_->path() / "a").string()},
                {"dataset", (testing::source_dir() / "examples/data/text.jsonl").string()},
                {"output_dir", (dir_->path() / "adapter").string()},
                {"max_steps", 5},
                {"learning_rate", 0.05},
                {"lora_rank", 4},
                {"target_modules", "all-linear"}};
    train(t);
  }
  static void TearDownTestSuite() { delete dir_; }
  static std::string path(const char* name) { return (dir_->path() / name).string(); }
  static GenerateRequest request(const std::string& model) {
    GenerateRequest g;
    g.model_dir = model;
    g.prompt = "hello world";
    g.max_new_tokens = 12;
    return g;
  }
  static testing::TempDir* dir_;
};
testing::TempDir* ServingTest::dir_ = nullptr;

TEST_F(ServingTest, EvictsTheLeastRecentlyUsedModelBeyondTheBudget) {
  Serving probe;
  probe.generate(request(path("a")), "", nullptr);
  const int64_t one = probe.models()[0]["bytes"].get<int64_t>();
  ASSERT_GT(one, 0);
  Serving s(ServingOptions{one * 3 / 2, "auto", "cpu"});  // room for one model
  const auto first = s.generate(request(path("a")), "", nullptr).text;
  EXPECT_EQ(s.models().size(), 1u);
  s.generate(request(path("b")), "", nullptr);
  ASSERT_EQ(s.models().size(), 1u);
  EXPECT_EQ(s.models()[0]["path"], std::filesystem::canonical(path("b")).string());
  // Reloaded on demand, with the same output (greedy).
  EXPECT_EQ(s.generate(request(path("a")), "", nullptr).text, first);

  Serving roomy(ServingOptions{one * 3, "auto", "cpu"});
  roomy.generate(request(path("a")), "", nullptr);
  roomy.generate(request(path("b")), "", nullptr);
  EXPECT_EQ(roomy.models().size(), 2u);
}

TEST_F(ServingTest, AdaptersSurviveEvictionAndChangeTheOutput) {
  Serving probe;
  probe.generate(request(path("a")), "", nullptr);
  const int64_t one = probe.models()[0]["bytes"].get<int64_t>();
  Serving s(ServingOptions{one * 3 / 2, "auto", "cpu"});
  auto info = s.load_adapter(path("a"), path("adapter"), "mine");
  EXPECT_EQ(info["peft_type"], "LORA");
  EXPECT_EQ(info["r"], 4);
  const auto base = s.generate(request(path("a")), "", nullptr).text;
  auto with = request("");
  const auto adapted = s.generate(with, "mine", nullptr).text;  // the adapter implies its model
  EXPECT_NE(adapted, base);
  s.generate(request(path("b")), "", nullptr);  // evicts a
  EXPECT_FALSE(s.adapters()[0]["loaded"].get<bool>());
  EXPECT_EQ(s.generate(with, "mine", nullptr).text, adapted);  // a comes back with its adapter
  EXPECT_EQ(s.generate(request(path("a")), "", nullptr).text, base);
  EXPECT_THROW(s.generate(request(path("b")), "mine", nullptr), core::Error);  // not b's adapter
  EXPECT_THROW(s.load_adapter(path("a"), path("b"), "mine"), core::Error);     // name taken
  s.unload_adapter("mine");
  EXPECT_TRUE(s.adapters().empty());
  EXPECT_THROW(s.generate(with, "mine", nullptr), core::Error);
}

TEST_F(ServingTest, AdapterPoolKeepsAtMostItsCountLoadedAndReadsEvictedOnesBack) {
  ServingOptions o;
  o.device = "cpu";
  o.max_loaded_adapters = 1;
  Serving s(o);
  s.load_adapter(path("a"), path("adapter"), "one");
  s.load_adapter(path("a"), path("adapter"), "two");  // evicts one: a pool of one
  auto loaded = [&] {
    std::map<std::string, bool> m;
    for (const auto& a : s.adapters()) m[a["name"]] = a["loaded"];
    return m;
  };
  EXPECT_EQ(loaded(), (std::map<std::string, bool>{{"one", false}, {"two", true}}));
  auto with = request("");
  const auto first = s.generate(with, "one", nullptr).text;  // read back, two evicted
  EXPECT_EQ(loaded(), (std::map<std::string, bool>{{"one", true}, {"two", false}}));
  EXPECT_EQ(s.generate(with, "two", nullptr).text, first);  // the same folder under two names
  EXPECT_EQ(s.generate(with, "one", nullptr).text, first);
  const auto m = s.metrics();
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].adapters_loaded, 1);
  EXPECT_EQ(m[0].adapters_max, 1);
  EXPECT_EQ(m[0].adapter_evictions, 4);  // two, one, two, one: each load took the other's place
  EXPECT_EQ(s.models()[0]["adapters"], nlohmann::json::array({"one"}));

  Serving unlimited(ServingOptions{int64_t{8} << 30, "auto", "cpu"});
  unlimited.load_adapter(path("a"), path("adapter"), "one");
  unlimited.load_adapter(path("a"), path("adapter"), "two");
  EXPECT_EQ(unlimited.generate(with, "one", nullptr).text, first);
  EXPECT_EQ(unlimited.metrics()[0].adapters_loaded, 2);
  EXPECT_EQ(unlimited.metrics()[0].adapter_evictions, 0);
}

TEST_F(ServingTest, StopFlagEndsGenerationEarly) {
  Serving s;
  std::atomic<bool> stop{true};
  auto r = s.generate(request(path("a")), "", &stop);
  EXPECT_EQ(r.finish_reason, "cancelled");
}

}  // namespace
}  // namespace llmcp::engine
