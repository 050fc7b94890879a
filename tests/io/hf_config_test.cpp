// HfConfig typed getters: errors name the key and the file; generation defaults are optional.
#include <gtest/gtest.h>

#include <fstream>

#include "core/error.h"
#include "io/hf_config.h"
#include "test_util.h"

namespace llmcp::io {
namespace {

TEST(HfConfigTest, TypedGettersAndErrors) {
  auto c = HfConfig::from_json(nlohmann::json::parse(R"({"architectures":["LlamaForCausalLM"],"a":3,"f":2.0,
      "s":"x","b":true,"l":[1,2],"bad":"7","frac":1.5})"), "cfg.json");
  EXPECT_EQ(c.architecture(), "LlamaForCausalLM");
  EXPECT_EQ(c.get_int("a"), 3);
  EXPECT_EQ(c.get_int("f"), 2);  // 2.0 is accepted as an integer
  EXPECT_EQ(c.get_int("missing", 9), 9);
  EXPECT_EQ(c.get_int_list("l"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(c.get_int_list("a"), (std::vector<int64_t>{3}));
  EXPECT_TRUE(c.get_bool("b", false));
  for (const char* key : {"bad", "frac", "nope"}) {
    try {
      c.get_int(key);
      FAIL() << key;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(HfConfig::from_json(nlohmann::json::object(), "x").architecture(), core::Error);
}

TEST(HfConfigTest, FilesOnDisk) {
  testing::TempDir dir;
  EXPECT_THROW(HfConfig::load(dir.path()), core::Error);
  std::ofstream(dir / "config.json") << "{ not json";
  EXPECT_THROW(HfConfig::load(dir.path()), core::Error);
  auto g = load_generation_defaults(dir.path());  // absent: all empty
  EXPECT_FALSE(g.temperature.has_value());
  std::ofstream(dir / "generation_config.json") << R"({"temperature":0.6,"top_p":0.9,"eos_token_id":[1,2],"do_sample":true})";
  g = load_generation_defaults(dir.path());
  EXPECT_DOUBLE_EQ(*g.temperature, 0.6);
  EXPECT_EQ(g.eos_token_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_TRUE(*g.do_sample);
}

}  // namespace
}  // namespace llmcp::io
