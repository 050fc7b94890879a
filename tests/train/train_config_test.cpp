// The training config: every YAML block of the seed document (supported-models.md) parses as
// written, aliases map to PEFT's fields, the method follows from the keys, --set overrides,
// and an unknown key names the nearest known one.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <tuple>
#include <regex>
#include <sstream>

#include "core/error.h"
#include "test_util.h"
#include "peft/sparse/sparse_config.h"
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
      EXPECT_EQ(c.method, "dora");
      EXPECT_DOUBLE_EQ(c.lora.lora_dropout, 0.2);  // lora_dropout wins over dropout_rate
    }
    if (j.contains("load_in_4bit")) {
      EXPECT_EQ(c.method, "qlora");
    }
    if (j.contains("sparsity_ratio")) {
      EXPECT_EQ(c.method, "sparse");
      ASSERT_EQ(c.lora.method, "sparse");
      const auto sc = peft::SparseConfig::of(c.lora);
      EXPECT_DOUBLE_EQ(sc.sparsity_ratio, 0.5);
      EXPECT_EQ(sc.sparsity_type, peft::SparsityType::kUnstructured);
      EXPECT_EQ(sc.mask_update_interval, 100);
      EXPECT_DOUBLE_EQ(sc.mask_update_fraction, 0.3);
      EXPECT_TRUE(sc.use_rigl);
      EXPECT_TRUE(sc.use_topk_attention);
      EXPECT_DOUBLE_EQ(sc.topk_ratio, 0.1);
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
  EXPECT_EQ(c.method, "dora");
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
  ASSERT_EQ(c.lora.method, "sparse");
  const auto sc = peft::SparseConfig::of(c.lora);
  EXPECT_DOUBLE_EQ(sc.sparsity_ratio, 0.99);
  EXPECT_FALSE(sc.use_topk_attention);
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
  for (const auto& k : train_config_keys()) {  // the README's row is the table's row: name, type, help
    std::string help;
    for (const char* c = k.help; *c; ++c) help += *c == '|' ? std::string("\\|") : std::string(1, *c);  // markdown
    const std::string row = std::string("| `") + k.name + "` | " + k.type + " | " + help + " |";
    EXPECT_NE(readme.find(row), std::string::npos) << "README.md lacks the row\n" << row;
  }
}

}  // namespace
}  // namespace llmcp::train

namespace llmcp::train {
namespace {

// The class behind issue 22's "invalid values accepted silently": every key of the table, given
// a value of the wrong type, is refused with an error that names the key.
TEST(TrainConfigValidation, EveryKeyRefusesTheWrongType) {
  const std::map<std::string, nlohmann::json> any_keys = {
      {"target_modules", 5}, {"init_lora_weights", 5}, {"layers_to_transform", "x"},
      {"layers_pattern", 5}, {"rank_pattern", "x"},   {"alpha_pattern", "x"}};
  int checked = 0;
  for (const auto& k : train_config_keys()) {
    const std::string type = k.type, name = k.name;
    nlohmann::json bad = type == "int" || type == "number" ? nlohmann::json("x")
                         : type == "bool"                 ? nlohmann::json("maybe")
                         : type == "string"               ? nlohmann::json(5)
                         : type == "list"                 ? nlohmann::json(5)
                                                          : nlohmann::json();
    if (type == "any") {
      ASSERT_TRUE(any_keys.count(name)) << "add a wrong value for the new key " << name;
      bad = any_keys.at(name);
    }
    auto j = base();
    j[name] = bad;
    const std::string e = error_of(j);
    EXPECT_NE(e.find(name), std::string::npos) << name << " = " << bad.dump() << ": " << (e.empty() ? "accepted" : e);
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(train_config_keys().size()));
}

// ... and every key with a range or a set of values, given one outside it, is refused naming the
// key (or the setting it is an alias of). Keys without a range: paths, booleans, free names.
TEST(TrainConfigValidation, EveryKeyRefusesAnOutOfRangeValue) {
  const std::vector<std::tuple<std::string, nlohmann::json, std::string>> cases = {
      {"method", "qlora2", "method"},
      {"eval_fraction", 1.5, "eval_fraction"},
      {"epochs", -1, "epochs"},
      {"num_train_epochs", -2, "epochs"},
      {"max_steps", -5, "max_steps"},
      {"batch_size", 0, "batch_size"},
      {"per_device_train_batch_size", 0, "batch_size"},
      {"gradient_accumulation_steps", 0, "gradient_accumulation_steps"},
      {"learning_rate", 0, "learning_rate"},
      {"lr_scheduler", "exponential", "lr_scheduler"},
      {"lr_scheduler_type", "exponential", "lr_scheduler"},
      {"warmup_steps", -1, "warmup_steps"},
      {"warmup_ratio", 1.0, "warmup_ratio"},
      {"weight_decay", -0.1, "weight_decay"},
      {"max_grad_norm", -1, "max_grad_norm"},
      {"adam_beta1", 1.0, "adam_beta1"},
      {"adam_beta2", -0.5, "adam_beta2"},
      {"adam_epsilon", 0, "adam_epsilon"},
      {"seq_len", 1, "seq_len"},
      {"max_seq_length", 0, "seq_len"},
      {"seed", -1, "seed"},
      {"save_steps", -3, "save_steps"},
      {"save_total_limit", 0, "save_total_limit"},
      {"eval_steps", -1, "eval_steps"},
      {"logging_steps", 0, "logging_steps"},
      {"early_stopping_patience", -1, "early_stopping_patience"},
      {"early_stopping_threshold", -0.5, "early_stopping_threshold"},
      {"device", "tpu", "device"},
      {"lora_rank", 0, "r"},
      {"r", -4, "r"},
      {"lora_alpha", 0, "lora_alpha"},
      {"lora_dropout", 1.0, "lora_dropout"},
      {"dropout_rate", 1.5, "lora_dropout"},
      {"target_modules", nlohmann::json::array(), "target_modules"},
      {"exclude_modules", nlohmann::json::array({1}), "exclude_modules"},
      {"bias", "some", "bias"},
      {"task_type", "SEQ_CLS", "task_type"},
      {"init_lora_weights", "gausian", "init_lora_weights"},
      {"layers_to_transform", -1, "layers_to_transform"},
      {"layers_pattern", nlohmann::json::array({1}), "layers_pattern"},
      {"rank_pattern", {{"q_proj", 0}}, "rank_pattern"},
      {"alpha_pattern", {{"q_proj", -1}}, "alpha_pattern"},
      {"modules_to_save", nlohmann::json::array({2}), "modules_to_save"},
      {"router_aux_loss_coef", -1, "router_aux_loss_coef"},
      {"bnb_4bit_quant_type", "nf5", "nf5"},
      {"bnb_4bit_compute_dtype", "int4", "bnb_4bit_compute_dtype"},
      {"bnb_4bit_quant_storage", "int8", "bnb_4bit_quant_storage"},
      {"bnb_4bit_blocksize", 7, "blocksize"},
      {"llm_int8_skip_modules", nlohmann::json::array({3}), "llm_int8_skip_modules"},
      {"sparsity_ratio", 1.5, "sparsity_ratio"},
      {"sparsity_type", "blocky", "sparsity_type"},
      {"mask_update_interval", -1, "mask_update_interval"},
      {"mask_update_fraction", 1.5, "mask_update_fraction"},
      {"topk_ratio", 0, "topk_ratio"},
  };
  std::set<std::string> covered;
  for (const auto& [key, value, expect] : cases) {
    auto j = base();
    j[key] = value;
    if (key.rfind("bnb_", 0) == 0 || key == "llm_int8_skip_modules") j["load_in_4bit"] = true;
    if (key == "sparsity_type" || key == "mask_update_interval" || key == "mask_update_fraction" || key == "topk_ratio")
      j["method"] = "sparse";
    const std::string e = error_of(j);
    EXPECT_NE(e.find(expect), std::string::npos) << key << " = " << value.dump() << ": " << (e.empty() ? "accepted" : e);
    covered.insert(key);
  }
  // A key added to the table with a range must join the list above (or the list of keys without one).
  const std::set<std::string> no_range = {"model", "dataset", "eval_dataset", "output_dir", "packing", "train_on_all",
                                          "chat_template", "gradient_checkpointing", "shard_base", "bf16", "use_rslora", "use_dora",
                                          "output_router_logits", "load_in_4bit", "load_in_8bit",
                                          "bnb_4bit_use_double_quant", "use_rigl", "use_topk_attention"};
  for (const auto& k : train_config_keys())
    EXPECT_TRUE(covered.count(k.name) || no_range.count(k.name)) << "no out-of-range case for " << k.name;
}

// Cross-key rules: both quantizations, a quantized base under full fine-tuning, aliases that
// disagree, and a key written twice in YAML.
TEST(TrainConfigValidation, CrossKeyRules) {
  auto j = base();
  j["load_in_4bit"] = true;
  j["load_in_8bit"] = true;
  EXPECT_NE(error_of(j).find("choose one"), std::string::npos);
  j = base();
  j["method"] = "full";
  j["load_in_4bit"] = true;
  EXPECT_NE(error_of(j).find("cannot keep a quantized base"), std::string::npos);
  j = base();
  j["method"] = "full";
  j["shard_base"] = true;
  EXPECT_NE(error_of(j).find("shard_base splits a frozen base among the processes"), std::string::npos) << error_of(j);
  j = base();
  j["epochs"] = 2;
  j["num_train_epochs"] = 3;
  EXPECT_NE(error_of(j).find("'epochs' (2) and 'num_train_epochs' (3)"), std::string::npos) << error_of(j);
  j["num_train_epochs"] = 2;
  EXPECT_EQ(error_of(j), "");
  try {
    yaml_to_json("lr_scheduler: cosine\nbatch_size: 2\nbatch_size: 4\n", "c.yaml");
    ADD_FAILURE() << "a duplicate key was accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("'batch_size' appears twice (line 3)"), std::string::npos) << e.what();
  }
  // The seed's DoRA example sets both lora_dropout and dropout_rate: lora_dropout wins, no error.
  j = base();
  j["lora_dropout"] = 0.2;
  j["dropout_rate"] = 0.1;
  EXPECT_EQ(error_of(j), "");
}

}  // namespace
}  // namespace llmcp::train

namespace llmcp::train {
namespace {

// "Is the base quantized, and how" has one answer (base_quantization), which the trainer, the
// planner and the recommender share: method qlora alone is the QLoRA paper's NF4 base;
// load_in_4bit without a type is transformers' BitsAndBytesConfig default, fp4 (its
// bnb_4bit_quant_type="fp4"); an explicit type wins; other methods keep a dense base.
TEST(BaseQuantization, OneAnswerForEveryCaller) {
  auto j = base();
  j["method"] = "qlora";
  auto q = base_quantization(train_config_from_json(j));
  EXPECT_TRUE(q.load_in_4bit);
  EXPECT_EQ(q.quant_type, quant::QuantType::kNf4);
  j = base();
  j["load_in_4bit"] = true;
  q = base_quantization(train_config_from_json(j));
  EXPECT_TRUE(q.load_in_4bit);
  EXPECT_EQ(q.quant_type, quant::QuantType::kFp4);
  j["bnb_4bit_quant_type"] = "nf4";
  EXPECT_EQ(base_quantization(train_config_from_json(j)).quant_type, quant::QuantType::kNf4);
  j = base();
  j["method"] = "qlora";
  j["load_in_8bit"] = true;
  q = base_quantization(train_config_from_json(j));
  EXPECT_TRUE(q.load_in_8bit);
  EXPECT_FALSE(q.load_in_4bit);
  j = base();
  j["method"] = "dora";
  q = base_quantization(train_config_from_json(j));
  EXPECT_FALSE(q.load_in_4bit || q.load_in_8bit);
}

}  // namespace
}  // namespace llmcp::train
