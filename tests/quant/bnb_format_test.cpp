// bitsandbytes' tensor keys and quant_state JSON, and the quantization_config keys.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "quant/bnb_format.h"

namespace llmcp::quant {
namespace {

TensorLookup lookup_in(const NamedTensorList& list) {
  auto m = std::make_shared<std::map<std::string, at::Tensor>>(list.begin(), list.end());
  return [m](const std::string& k) { auto it = m->find(k); return it == m->end() ? at::Tensor() : it->second; };
}

std::vector<std::string> keys(const NamedTensorList& l) {
  std::vector<std::string> out;
  for (const auto& [k, t] : l) out.push_back(k);
  return out;
}

TEST(BnbFormatTest, FourBitKeysAndStateRoundTrip) {
  at::manual_seed(0);
  auto w = at::randn({24, 40}).to(at::kBFloat16);
  auto q = QuantizedWeight::quantize(w, {WeightFormat::kNf4, 64, true, at::kFloat});
  NamedTensorList list;
  append_bnb_tensors("model.layers.0.mlp.up_proj", *q, list);
  const std::string p = "model.layers.0.mlp.up_proj.weight";
  EXPECT_EQ(keys(list), (std::vector<std::string>{p, p + ".absmax", p + ".quant_map", p + ".nested_absmax",
                                                  p + ".nested_quant_map", p + ".quant_state.bitsandbytes__nf4"}));
  EXPECT_EQ(list[0].second.sizes(), at::IntArrayRef({24 * 40 / 2, 1}));
  EXPECT_EQ(list[1].second.scalar_type(), at::kByte);
  const auto& s = list.back().second;
  auto state = nlohmann::json::parse(std::string(reinterpret_cast<const char*>(s.data_ptr<uint8_t>()), s.numel()));
  EXPECT_EQ(state["quant_type"], "nf4");
  EXPECT_EQ(state["blocksize"], 64);
  EXPECT_EQ(state["dtype"], "bfloat16");
  EXPECT_EQ(state["shape"], nlohmann::json({24, 40}));
  EXPECT_EQ(state["nested_blocksize"], 256);
  EXPECT_EQ(state["nested_dtype"], "float32");
  EXPECT_FLOAT_EQ(state["nested_offset"].get<float>(), q->offset);

  auto back = read_bnb_weight("model.layers.0.mlp.up_proj", lookup_in(list), at::kBFloat16);
  ASSERT_TRUE(back);
  EXPECT_TRUE(at::equal(back->dequantize(at::kFloat), q->dequantize(at::kFloat)));
  EXPECT_EQ(back->compute_dtype, at::kBFloat16);
  EXPECT_EQ(back->source_dtype, at::kBFloat16);
  for (const auto& k : keys(list))
    if (k != p) {
      EXPECT_TRUE(is_bnb_state_key(k)) << k;
    }
}

TEST(BnbFormatTest, Int8KeysRoundTrip) {
  auto q = QuantizedWeight::quantize(at::randn({8, 16}), {WeightFormat::kInt8, 64, false, at::kFloat});
  NamedTensorList list;
  append_bnb_tensors("lin", *q, list);
  EXPECT_EQ(keys(list), (std::vector<std::string>{"lin.weight", "lin.SCB", "lin.weight_format"}));
  EXPECT_EQ(list[0].second.scalar_type(), at::kChar);
  auto back = read_bnb_weight("lin", lookup_in(list), at::kFloat);
  ASSERT_TRUE(back);
  EXPECT_TRUE(at::equal(back->dequantize(at::kFloat), q->dequantize(at::kFloat)));
}

TEST(BnbFormatTest, DenseModulesAreNotQuantized) {
  NamedTensorList list = {{"lin.weight", at::randn({4, 4})}};
  EXPECT_EQ(read_bnb_weight("lin", lookup_in(list), at::kFloat), nullptr);
}

TEST(BnbFormatTest, IncompleteOrInconsistentStateIsAnErrorNamingTheKey) {
  auto q = QuantizedWeight::quantize(at::randn({8, 64}), {WeightFormat::kFp4, 64, true, at::kFloat});
  NamedTensorList list;
  append_bnb_tensors("m", *q, list);
  auto without = [&](const std::string& key) {
    NamedTensorList l;
    for (auto& e : list)
      if (e.first != key) l.push_back(e);
    return l;
  };
  try {
    read_bnb_weight("m", lookup_in(without("m.weight.nested_absmax")), at::kFloat);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("m.weight.nested_absmax"), std::string::npos) << e.what();
  }
  auto bad = list;
  bad[1].second = bad[1].second.slice(0, 0, 3);  // absmax too short
  EXPECT_THROW(read_bnb_weight("m", lookup_in(bad), at::kFloat), core::Error);
  auto junk = list;
  junk.back().second = at::full({3}, 'x', at::kByte);
  EXPECT_THROW(read_bnb_weight("m", lookup_in(junk), at::kFloat), core::Error);
}

TEST(BnbConfigTest, SeedKeysAsWritten) {
  auto c = BnbConfig::from_json({{"load_in_4bit", true}, {"bnb_4bit_quant_type", "nf4"},
                                 {"bnb_4bit_compute_dtype", "bfloat16"}, {"bnb_4bit_use_double_quant", true}});
  EXPECT_TRUE(c.enabled());
  EXPECT_EQ(c.spec().format, WeightFormat::kNf4);
  EXPECT_EQ(c.spec().compute_dtype, at::kBFloat16);
  EXPECT_TRUE(c.spec().double_quant);
  EXPECT_EQ(BnbConfig::from_json({{"load_in_4bit", true}}).quant_type, QuantType::kFp4) << "transformers' default";
  EXPECT_THROW(BnbConfig::from_json({{"load_in_4bit", true}, {"bnb_4bit_quant_typ", "nf4"}}), core::Error);
  EXPECT_THROW(BnbConfig::from_json({{"load_in_4bit", true}, {"load_in_8bit", true}}), core::Error);
  EXPECT_THROW(BnbConfig::from_json({{"bnb_4bit_quant_type", "nf3"}}), core::Error);
  auto j = c.to_json();
  EXPECT_EQ(j["quant_method"], "bitsandbytes");
  EXPECT_EQ(BnbConfig::from_json(j).spec().format, WeightFormat::kNf4) << "to_json reads back";
  EXPECT_TRUE(c.skips("lm_head", "lm_head"));
  EXPECT_FALSE(c.skips("model.layers.0.mlp.up_proj", "lm_head"));
}

}  // namespace
}  // namespace llmcp::quant
