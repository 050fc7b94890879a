// Target selection follows PEFT's rules, checked on module names of a real Llama layout: suffix
// lists, full-match regexes, all-linear without the head, layers_to_transform (with and without
// layers_pattern), rank/alpha patterns, exclude_modules, modules_to_save never targeted, and the
// error when nothing matches.
#include <gtest/gtest.h>

#include "core/error.h"
#include "peft/targets.h"

namespace llmcp::peft {
namespace {

std::vector<std::string> llama_modules(int layers) {
  std::vector<std::string> out;
  for (int i = 0; i < layers; ++i)
    for (const char* m : {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                          "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"})
      out.push_back("model.layers." + std::to_string(i) + "." + m);
  out.push_back("lm_head");
  return out;
}

std::vector<std::string> names(const std::vector<TargetPlan>& p) {
  std::vector<std::string> out;
  for (const auto& t : p) out.push_back(t.module);
  return out;
}

LoraConfig with_targets(TargetModules t) {
  LoraConfig c;
  c.target_modules = std::move(t);
  return c;
}

TEST(TargetsTest, SuffixListMatchesDottedSuffixOnly) {
  auto c = with_targets({TargetModules::Kind::kNames, {"q_proj", "mlp.down_proj", "proj"}, ""});
  auto p = names(plan_targets(c, llama_modules(2), "lm_head", {}));
  EXPECT_EQ(p, (std::vector<std::string>{"model.layers.0.self_attn.q_proj", "model.layers.0.mlp.down_proj",
                                         "model.layers.1.self_attn.q_proj", "model.layers.1.mlp.down_proj"}));
}

TEST(TargetsTest, RegexIsFullMatch) {
  auto c = with_targets({TargetModules::Kind::kRegex, {}, R"(.*\.1\.self_attn\.(q|v)_proj)"});
  EXPECT_EQ(names(plan_targets(c, llama_modules(3), "lm_head", {})),
            (std::vector<std::string>{"model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"}));
  c = with_targets({TargetModules::Kind::kRegex, {}, "q_proj"});  // not a full match of any name
  EXPECT_THROW(plan_targets(c, llama_modules(1), "lm_head", {}), core::Error);
}

TEST(TargetsTest, AllLinearSkipsTheHead) {
  auto c = with_targets({TargetModules::Kind::kAllLinear, {}, ""});
  auto p = names(plan_targets(c, llama_modules(2), "lm_head", {}));
  EXPECT_EQ(p.size(), 14u);
  EXPECT_EQ(std::count(p.begin(), p.end(), "lm_head"), 0);
}

TEST(TargetsTest, LayersToTransform) {
  auto c = with_targets({TargetModules::Kind::kNames, {"v_proj"}, ""});
  c.layers_to_transform = std::vector<int64_t>{0, 2};
  EXPECT_EQ(names(plan_targets(c, llama_modules(3), "lm_head", {})),
            (std::vector<std::string>{"model.layers.0.self_attn.v_proj", "model.layers.2.self_attn.v_proj"}));
  c.layers_pattern = {"layers"};
  EXPECT_EQ(plan_targets(c, llama_modules(3), "lm_head", {}).size(), 2u);
  c.layers_pattern = {"blocks"};  // no such segment: nothing matches
  EXPECT_THROW(plan_targets(c, llama_modules(3), "lm_head", {}), core::Error);
}

TEST(TargetsTest, RankAndAlphaPatterns) {
  auto c = with_targets({TargetModules::Kind::kNames, {"q_proj", "v_proj"}, ""});
  c.r = 8;
  c.lora_alpha = 16;
  c.rank_pattern = {{"v_proj", 2}};
  c.alpha_pattern = {{"model.layers.1.self_attn.q_proj", 4}};
  for (const auto& t : plan_targets(c, llama_modules(2), "lm_head", {})) {
    EXPECT_EQ(t.rank, t.module.ends_with("v_proj") ? 2 : 8) << t.module;
    EXPECT_EQ(t.alpha, t.module == "model.layers.1.self_attn.q_proj" ? 4 : 16) << t.module;
  }
  EXPECT_DOUBLE_EQ(c.scaling(8, 16), 2.0);
  c.use_rslora = true;
  EXPECT_DOUBLE_EQ(c.scaling(16, 16), 4.0);
}

TEST(TargetsTest, DefaultsExcludesAndModulesToSave) {
  LoraConfig c;  // no target_modules: the architecture's defaults
  EXPECT_EQ(plan_targets(c, llama_modules(1), "lm_head", {"q_proj", "v_proj"}).size(), 2u);
  c.exclude_modules = {"v_proj"};
  EXPECT_EQ(names(plan_targets(c, llama_modules(1), "lm_head", {"q_proj", "v_proj"})),
            std::vector<std::string>{"model.layers.0.self_attn.q_proj"});
  auto all = with_targets({TargetModules::Kind::kAllLinear, {}, ""});
  all.modules_to_save = {"down_proj"};
  auto p = names(plan_targets(all, llama_modules(1), "lm_head", {}));
  EXPECT_EQ(std::count(p.begin(), p.end(), "model.layers.0.mlp.down_proj"), 0);
  EXPECT_TRUE(is_module_to_save(all, "model.layers.0.mlp.down_proj"));
}

TEST(TargetsTest, NothingMatchedListsTheModuleNames) {
  auto c = with_targets({TargetModules::Kind::kNames, {"query_key_value"}, ""});
  try {
    plan_targets(c, llama_modules(1), "lm_head", {});
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("q_proj"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("query_key_value"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmcp::peft

namespace llmcp::peft {
namespace {

// PEFT's get_pattern_key takes the first key that matches, in the order of adapter_config.json
// (which PEFT writes sorted); a hand-written file in another order keeps its order here too, and
// is written back in that order.
TEST(TargetsTest, OverlappingPatternsTakeTheFirstKeyInFileOrder) {
  const char* text = R"({"r": 4, "target_modules": ["down_proj"],
                         "rank_pattern": {"layers.1.mlp.down_proj": 6, "down_proj": 2}})";
  auto rank_of_layer1 = [](const LoraConfig& c) {
    for (const auto& t : plan_targets(c, {"model.layers.0.mlp.down_proj", "model.layers.1.mlp.down_proj"}, "lm_head", {}))
      if (t.module == "model.layers.1.mlp.down_proj") return t.rank;
    return int64_t{-1};
  };
  EXPECT_EQ(rank_of_layer1(lora_config_from_json(nlohmann::ordered_json::parse(text), "file order")), 6);
  // Sorted (as PEFT saves it): "down_proj" comes first and wins.
  EXPECT_EQ(rank_of_layer1(lora_config_from_json(nlohmann::json::parse(text), "sorted")), 2);
  auto written = lora_config_to_json(lora_config_from_json(nlohmann::ordered_json::parse(text), "file order"));
  // Written in the order read, so PEFT (and we) read the same meaning back.
  EXPECT_EQ(written["rank_pattern"].begin().key(), "layers.1.mlp.down_proj");
  EXPECT_EQ(rank_of_layer1(lora_config_from_json(written, "written")), 6);
}

}  // namespace
}  // namespace llmcp::peft

namespace llmcp::peft {
namespace {

// A pattern that is not a regular expression is refused when the config is checked (validate:
// start_training and train's config check), naming the key, not later when targets are planned.
TEST(TargetsTest, PatternsThatAreNotRegularExpressionsAreRefusedByValidate) {
  const std::vector<std::pair<LoraConfig, std::string>> bad = [] {
    std::vector<std::pair<LoraConfig, std::string>> out;
    out.emplace_back(with_targets({TargetModules::Kind::kRegex, {}, "[oops"}), "target_modules");
    LoraConfig r;
    r.rank_pattern = {{"q_proj(", 4}};
    out.emplace_back(r, "rank_pattern");
    LoraConfig a;
    a.alpha_pattern = {{"*v", 4.0}};
    out.emplace_back(a, "alpha_pattern");
    LoraConfig l;
    l.layers_pattern = {"layers)"};
    out.emplace_back(l, "layers_pattern");
    return out;
  }();
  for (const auto& [c, key] : bad) {
    try {
      c.validate();
      ADD_FAILURE() << key << " accepted";
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("not a valid regular expression"), std::string::npos) << e.what();
    }
  }
  with_targets({TargetModules::Kind::kRegex, {}, R"(.*\.(q|v)_proj)"}).validate();
}

}  // namespace
}  // namespace llmcp::peft
