// The training config: every YAML block of the seed document (supported-models.md) parses as
// written, aliases map to PEFT's fields, the method follows from the keys, --set overrides,
// and an unknown key names the nearest known one.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "test_util.h"
#include "train/train_config.h"

namespace llmcp::train {
namespace {

nlohmann::json base() { return {{"model", "m"}, {"dataset", "d.jsonl"}, {"output_dir", "o"}}; }

std::string error_of(const nlohmann::json& j) {
  try {
    train_config_from_json(j);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(TrainConfigTest, SeedYamlBlocksParseAsWritten) {
  // Every ```yaml block of the seed document (a byte copy lives in tests/fixtures/seeds).
  std::ifstream in(llmcp::testing::source_dir() / "tests/fixtures/seeds/supported-models.md");
  std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
  std::regex block("```yaml\\n([\\s\\S]*?)```");
  int n = 0;
  for (std::sregex_iterator it(doc.begin(), doc.end(), block), end; it != end; ++it) {
    auto j = yaml_to_json((*it)[1].str(), "seed block");
    const auto defaults = base();
    for (auto it = defaults.begin(); it != defaults.end(); ++it) j[it.key()] = it.value();
    auto c = train_config_from_json(j);
    ++n;
    if (j.contains("lora_rank")) {
      EXPECT_EQ(c.lora.r, j["lora_rank"].get<int64_t>());
    }
    if (j.contains("use_dora")) {
      EXPECT_EQ(c.method, Method::kDora);
      EXPECT_DOUBLE_EQ(c.lora.lora_dropout, 0.2);  // lora_dropout wins over dropout_rate
    }
    if (j.contains("load_in_4bit")) {
      EXPECT_EQ(c.method, Method::kQlora);
    }
    if (j.contains("sparsity_ratio")) {
      EXPECT_EQ(c.method, Method::kSparse);
      ASSERT_TRUE(c.lora.sparse.has_value());
      EXPECT_DOUBLE_EQ(c.lora.sparse->sparsity_ratio, 0.5);
      EXPECT_EQ(c.lora.sparse->sparsity_type, peft::SparsityType::kUnstructured);
      EXPECT_EQ(c.lora.sparse->mask_update_interval, 100);
      EXPECT_DOUBLE_EQ(c.lora.sparse->mask_update_fraction, 0.3);
      EXPECT_TRUE(c.lora.sparse->use_rigl);
      EXPECT_TRUE(c.lora.sparse->use_topk_attention);
      EXPECT_DOUBLE_EQ(c.lora.sparse->topk_ratio, 0.1);
    }
  }
  EXPECT_EQ(n, 4);
}

TEST(TrainConfigTest, AliasesAndDefaults) {
  auto j = base();
  j["dropout_rate"] = 0.1;
  j["use_dora"] = true;
  j["r"] = 4;
  j["num_train_epochs"] = 3;
  j["per_device_train_batch_size"] = 2;
  auto c = train_config_from_json(j);
  EXPECT_DOUBLE_EQ(c.lora.lora_dropout, 0.1);
  EXPECT_EQ(c.lora.r, 4);
  EXPECT_EQ(c.epochs, 3);
  EXPECT_EQ(c.batch_size, 2);
  EXPECT_EQ(c.method, Method::kDora);
  auto f = base();
  f["method"] = "full";
  EXPECT_DOUBLE_EQ(train_config_from_json(f).learning_rate, 2e-5);
  EXPECT_DOUBLE_EQ(train_config_from_json(base()).learning_rate, 2e-4);
}

TEST(TrainConfigTest, UnknownKeysNameTheNearest) {
  auto j = base();
  j["learning_rte"] = 1e-4;
  EXPECT_NE(error_of(j).find("did you mean 'learning_rate'"), std::string::npos) << error_of(j);
  j = base();
  j["lora_ranks"] = 8;
  EXPECT_NE(error_of(j).find("'lora_rank'"), std::string::npos) << error_of(j);
  j = base();
  j["batch_size"] = "eight";
  EXPECT_NE(error_of(j).find("must be an integer"), std::string::npos) << error_of(j);
  j = base();
  j["method"] = "lora";
  j["use_dora"] = true;
  EXPECT_NE(error_of(j).find("method: dora"), std::string::npos);
  EXPECT_NE(error_of({{"dataset", "d"}, {"output_dir", "o"}}).find("'model'"), std::string::npos);
}

TEST(TrainConfigTest, SparseKeysAreChecked) {
  auto j = base();
  j["method"] = "lora";
  j["sparsity_ratio"] = 0.9;
  EXPECT_NE(error_of(j).find("set method: sparse"), std::string::npos) << error_of(j);
  j = base();
  j["sparsity_ratio"] = 1.0;
  EXPECT_NE(error_of(j).find("sparsity_ratio must be in [0, 1)"), std::string::npos) << error_of(j);
  j = base();
  j["sparsity_type"] = "blocks";
  EXPECT_NE(error_of(j).find("unstructured"), std::string::npos) << error_of(j);
  j = base();
  j["topk_ratio"] = 0;
  EXPECT_NE(error_of(j).find("topk_ratio"), std::string::npos) << error_of(j);
  j = base();
  j["method"] = "sparse";
  j["use_dora"] = true;
  EXPECT_NE(error_of(j).find("use_dora"), std::string::npos) << error_of(j);
  j = base();
  j["method"] = "sparse";  // the method alone: the defaults
  auto c = train_config_from_json(j);
  ASSERT_TRUE(c.lora.sparse.has_value());
  EXPECT_DOUBLE_EQ(c.lora.sparse->sparsity_ratio, 0.99);
  EXPECT_FALSE(c.lora.sparse->use_topk_attention);
  EXPECT_EQ(c.to_json()["adapter"]["peft_type"], "SPARSE");
}

TEST(TrainConfigTest, YamlTypesAndOverrides) {
  auto j = yaml_to_json("lr_scheduler: cosine\nlearning_rate: 3e-4\nseed: 7\npacking: true\ntarget_modules: [q_proj, "
                        "\"v_proj\"]\nchat_template: \"123\"\n",
                        "t");
  EXPECT_EQ(j["learning_rate"], 3e-4);
  EXPECT_EQ(j["seed"], 7);
  EXPECT_EQ(j["packing"], true);
  EXPECT_EQ(j["chat_template"], "123");  // quoted stays a string
  apply_override(j, "learning_rate=1e-5");
  apply_override(j, "target_modules=all-linear");
  apply_override(j, "layers_to_transform=[0, 1]");
  EXPECT_EQ(j["learning_rate"], 1e-5);
  EXPECT_EQ(j["target_modules"], "all-linear");
  EXPECT_EQ(j["layers_to_transform"], nlohmann::json({0, 1}));
  EXPECT_THROW(apply_override(j, "novalue"), core::Error);
  EXPECT_THROW(yaml_to_json("a: [1, 2", "bad"), core::Error);
}

}  // namespace
}  // namespace llmcp::train

namespace llmcp::train {
namespace {

TEST(TrainConfigTest, EveryKeyIsDocumentedInTheReadme) {
  std::ifstream in(llmcp::testing::source_dir() / "README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& k : train_config_keys())
    EXPECT_NE(readme.find(std::string("| `") + k.name + "` |"), std::string::npos) << k.name << " is not in README.md";
}

}  // namespace
}  // namespace llmcp::train
