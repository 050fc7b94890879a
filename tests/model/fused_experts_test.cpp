// A Mixtral folder whose experts are stored fused (transformers 5's layout) loads to the same model
// as the per-expert folder it was made from; a fused tensor of the wrong shape is refused by name.
#include <ATen/core/grad_mode.h>
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "model/tensor_view.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

// Rewrites dir/model.safetensors with the experts fused: gate_up_proj = [w1; w3], down_proj = w2.
void fuse(const std::filesystem::path& dir, int64_t layers, int64_t experts, bool break_shape = false) {
  auto file = io::SafetensorsFile::open(dir / "model.safetensors");
  std::map<std::string, at::Tensor> all;
  for (const auto& v : file->tensors()) all[v.name] = tensor_from_view(v, at::kFloat, at::kCPU);
  file.reset();
  NamedTensors out;
  for (const auto& [k, t] : all)
    if (k.find("block_sparse_moe") == std::string::npos) out.emplace_back(k, t);
  for (int64_t l = 0; l < layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    std::vector<at::Tensor> gate_up, down;
    for (int64_t e = 0; e < experts; ++e) {
      const std::string x = p + "block_sparse_moe.experts." + std::to_string(e) + ".";
      gate_up.push_back(at::cat({all.at(x + "w1.weight"), all.at(x + "w3.weight")}));
      down.push_back(all.at(x + "w2.weight"));
    }
    auto gu = at::stack(gate_up);
    if (break_shape) gu = gu.narrow(1, 1, gu.size(1) - 1);
    out.emplace_back(p + "mlp.experts.gate_up_proj", gu.contiguous());
    out.emplace_back(p + "mlp.experts.down_proj", at::stack(down).contiguous());
    out.emplace_back(p + "mlp.gate.weight", all.at(p + "block_sparse_moe.gate.weight"));
  }
  save_tensors(dir / "model.safetensors", out);
}

TEST(FusedExpertsTest, FusedFolderLoadsAsThePerExpertOne) {
  testing::TempDir dir;
  SyntheticSpec spec;
  spec.family = "mixtral";
  spec.seed = 3;
  spec.overrides = nlohmann::json::parse(R"({"num_hidden_layers": 2})");
  create_synthetic_model(spec, dir / "per_expert");
  create_synthetic_model(spec, dir / "fused");
  fuse(dir / "fused", 2, 4);
  auto ids = at::arange(1, 13, at::kLong).view({2, 6});
  at::NoGradGuard no_grad;
  auto want = load_decoder(dir / "per_expert", {"float32", "cpu", {}, {}})->forward(ids);
  auto got = load_decoder(dir / "fused", {"float32", "cpu", {}, {}})->forward(ids);
  EXPECT_TRUE(at::equal(got, want));
}

TEST(FusedExpertsTest, AFusedTensorOfTheWrongShapeIsNamed) {
  testing::TempDir dir;
  SyntheticSpec spec;
  spec.family = "mixtral";
  spec.overrides = nlohmann::json::parse(R"({"num_hidden_layers": 1})");
  create_synthetic_model(spec, dir / "m");
  fuse(dir / "m", 1, 4, /*break_shape=*/true);
  try {
    load_decoder(dir / "m", {"float32", "cpu", {}, {}});
    FAIL() << "loaded a fused tensor of the wrong shape";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kShapeMismatch);
    EXPECT_NE(std::string(e.what()).find("mlp.experts.gate_up_proj"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmcp::model
