// Sparse adapters through PeftModel and the adapter folder: peft_type "SPARSE" with the seed's
// keys, I64 indices next to F32 values under PEFT-style keys, a round trip that reproduces the
// outputs, merge = the adapter's outputs (dense and 4-bit bases), and errors that name the tensor.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <ATen/CPUGeneratorImpl.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/tensor_view.h"
#include "peft/peft_io.h"
#include "peft/sparse/sparse_delta.h"
#include "peft/peft_test_util.h"
#include "test_util.h"

namespace llmcp::peft {
namespace {

LoraConfig sparse_config(SparsityType type = SparsityType::kUnstructured) {
  LoraConfig c;
  c.target_modules = TargetModules{TargetModules::Kind::kNames, {"q_proj", "down_proj"}, ""};
  SparseConfig s;
  s.sparsity_ratio = 0.9;
  s.sparsity_type = type;
  s.mask_update_interval = 50;
  s.apply_to(c);
  return c;
}

// Random values, so the adapter changes the outputs.
void randomize(PeftModel& peft, uint64_t seed) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  at::NoGradGuard g;
  for (auto& p : peft.parameters("default")) p.tensor->normal_(0, 0.05, gen);
}

class SparseAdapterTest : public testing::TinyModelTest {};

TEST_F(SparseAdapterTest, WritesIndicesValuesAndSeedKeys) {
  PeftModel peft(*decoder_);
  peft.add_adapter("default", sparse_config(), 1);
  save_adapter(peft, "default", dir_ / "a");
  auto st = io::SafetensorsFile::open(dir_ / "a" / "adapter_model.safetensors");
  EXPECT_EQ(st->tensors().size(), 4u * 2 * 2);  // 4 layers x {q, down} x {indices, values}
  const auto* idx = st->find("base_model.model.model.layers.0.self_attn.q_proj.sparse_indices");
  const auto* val = st->find("base_model.model.model.layers.0.self_attn.q_proj.sparse_values");
  ASSERT_NE(idx, nullptr);
  ASSERT_NE(val, nullptr);
  EXPECT_EQ(idx->dtype, core::DType::kI64);
  EXPECT_EQ(val->dtype, core::DType::kF32);
  EXPECT_EQ(idx->shape, (std::vector<int64_t>{std::llround(0.1 * 128 * 128)}));
  auto cfg = nlohmann::ordered_json::parse(core::read_file(dir_ / "a" / "adapter_config.json"));
  EXPECT_EQ(cfg["peft_type"], "SPARSE");
  EXPECT_EQ(cfg["task_type"], "CAUSAL_LM");
  EXPECT_DOUBLE_EQ(cfg["sparsity_ratio"].get<double>(), 0.9);
  EXPECT_EQ(cfg["sparsity_type"], "unstructured");
  EXPECT_EQ(cfg["mask_update_interval"], 50);
  EXPECT_DOUBLE_EQ(cfg["mask_update_fraction"].get<double>(), 0.3);
  EXPECT_EQ(cfg["use_rigl"], true);
  EXPECT_EQ(cfg["use_topk_attention"], false);
  EXPECT_EQ(cfg["target_modules"], nlohmann::ordered_json({"down_proj", "q_proj"}));
  EXPECT_FALSE(cfg.contains("r"));
  int64_t k = 0;  // round(0.1 * out * in) per targeted module
  for (auto* l : decoder_->linears())
    if (l->name.ends_with("q_proj") || l->name.ends_with("down_proj"))
      k += std::llround(0.1 * static_cast<double>(l->out_features() * l->in_features()));
  int64_t n = 0;
  for (auto& p : peft.parameters("default")) n += p.tensor->numel();
  EXPECT_EQ(n, k);
}

TEST_F(SparseAdapterTest, RoundTripAndMergeReproduceOutputs) {
  for (auto type : {SparsityType::kUnstructured, SparsityType::kStructured}) {
    auto base = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
    PeftModel peft(*base);
    peft.add_adapter("default", sparse_config(type), 2);
    randomize(peft, 3);
    save_adapter(peft, "default", dir_ / "a");
    auto ids = testing::random_ids(2, 11, 4);
    at::NoGradGuard g;
    auto plain = base->forward(ids);
    {
      peft.disable();
      auto off = base->forward(ids);
      peft.enable();
      EXPECT_TRUE(at::allclose(off, decoder_->forward(ids), 1e-6, 1e-6));
    }
    EXPECT_FALSE(at::allclose(plain, decoder_->forward(ids), 1e-4, 1e-4));  // the adapter does something

    auto d2 = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
    PeftModel loaded(*d2);
    auto cfg = load_adapter(loaded, dir_ / "a", "default");
    ASSERT_EQ(cfg.method, "sparse");
    EXPECT_EQ(SparseConfig::of(cfg).sparsity_type, type);
    EXPECT_TRUE(at::allclose(d2->forward(ids), plain, 1e-5, 1e-5));
    loaded.merge("default");
    EXPECT_TRUE(at::allclose(d2->forward(ids), plain, 1e-4, 1e-4));
    loaded.unmerge("default");
    loaded.disable();
    EXPECT_TRUE(at::allclose(d2->forward(ids), decoder_->forward(ids), 1e-5, 1e-5));
  }
}

TEST_F(SparseAdapterTest, MergesIntoA4BitBase) {
  model::LoadOptions opts{"float32", "cpu", {}, {}};
  opts.quant.load_in_4bit = true;
  opts.quant.quant_type = quant::QuantType::kNf4;
  auto q = model::load_decoder(dir_ / "m", opts);
  PeftModel peft(*q);
  peft.add_adapter("default", sparse_config(), 5);
  randomize(peft, 6);
  // Merging = dequantize, add the dense delta, quantize again in the base's own format.
  std::map<std::string, at::Tensor> expected;
  for (auto* l : q->linears()) {
    if (!peft.adapter("default").modules.count(l->name)) continue;
    auto d = std::dynamic_pointer_cast<SparseDelta>(peft.adapter("default").modules.at(l->name));
    ASSERT_NE(d, nullptr);
    const auto& w = *l->qweight;
    auto again = quant::QuantizedWeight::quantize(w.dequantize(at::kFloat) + d->dense(),
                                                  {w.format, w.blocksize, w.nested, w.compute_dtype});
    expected[l->name] = again->dequantize(at::kFloat);
  }
  ASSERT_EQ(expected.size(), 8u);
  peft.merge("default");
  for (auto* l : q->linears())
    if (expected.count(l->name)) {
      ASSERT_TRUE(l->quantized()) << l->name;
      EXPECT_TRUE(at::equal(l->qweight->dequantize(at::kFloat), expected.at(l->name))) << l->name;
    }
}

TEST_F(SparseAdapterTest, LoadErrorsNameTheTensor) {
  PeftModel peft(*decoder_);
  peft.add_adapter("default", sparse_config(), 1);
  save_adapter(peft, "default", dir_ / "a");
  // A file without one module's values.
  auto st = io::SafetensorsFile::open(dir_ / "a" / "adapter_model.safetensors");
  model::NamedTensors kept;
  const std::string dropped = "base_model.model.model.layers.2.mlp.down_proj.sparse_values";
  for (const auto& v : st->tensors())
    if (v.name != dropped) kept.emplace_back(v.name, model::tensor_from_view(v, v.name.ends_with("indices") ? at::kLong : at::kFloat, at::kCPU));
  std::filesystem::create_directories(dir_ / "b");
  model::save_tensors(dir_ / "b" / "adapter_model.safetensors", kept, {{"format", "pt"}});
  core::write_file_atomic(dir_ / "b" / "adapter_config.json", core::read_file(dir_ / "a" / "adapter_config.json"));
  auto d2 = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  PeftModel other(*d2);
  try {
    load_adapter(other, dir_ / "b", "x");
    FAIL() << "loaded an adapter with a missing tensor";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(dropped), std::string::npos) << e.what();
  }
  // A bad sparsity_type in the config names the key and the choices.
  auto cfg = nlohmann::json::parse(core::read_file(dir_ / "a" / "adapter_config.json"));
  cfg["sparsity_type"] = "blocky";
  core::write_file_atomic(dir_ / "a" / "adapter_config.json", cfg.dump());
  try {
    load_adapter(other, dir_ / "a", "y");
    FAIL() << "accepted sparsity_type blocky";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("unstructured"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmcp::peft
