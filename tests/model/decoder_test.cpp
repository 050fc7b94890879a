// Decoder properties that need no reference: incremental decoding with the KV cache equals the
// full forward, a left-padded batch equals its rows run alone, bf16 tracks fp32, and broken
// checkpoints give errors that name the tensor and both shapes.
#include <gtest/gtest.h>

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/loader.h"
#include "model/synthetic.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

class DecoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    SyntheticSpec spec;
    spec.family = "mistral";
    spec.seed = 3;
    spec.overrides = {{"sliding_window", 5}};  // window shorter than the sequences below
    create_synthetic_model(spec, *dir_ / "m");
  }
  static void TearDownTestSuite() { delete dir_; }
  static testing::TempDir* dir_;
};
testing::TempDir* DecoderTest::dir_ = nullptr;

at::Tensor sample_ids(int64_t B, int64_t T, int64_t seed) {
  return at::randint(4, 500, {B, T}, at::make_generator<at::CPUGeneratorImpl>(seed), at::kLong);
}

TEST_F(DecoderTest, IncrementalDecodingMatchesFullForward) {
  auto d = load_decoder(*dir_ / "m", {"float32", "cpu", {}, {}});
  const int64_t T = 16;
  auto ids = sample_ids(2, T, 1);
  auto full = d->forward(ids);
  KvCache cache(d->config().num_layers);
  auto first = d->forward(ids.narrow(1, 0, 6), {}, &cache);
  EXPECT_LT((first - full.narrow(1, 0, 6)).abs().max().item<double>(), 1e-5);
  for (int64_t t = 6; t < T; ++t) {
    auto step = d->forward(ids.narrow(1, t, 1), {}, &cache);
    EXPECT_LT((step - full.narrow(1, t, 1)).abs().max().item<double>(), 1e-5) << "position " << t;
  }
  EXPECT_EQ(cache.length(), T);
}

TEST_F(DecoderTest, LeftPaddedBatchMatchesRowsAlone) {
  auto d = load_decoder(*dir_ / "m", {"float32", "cpu", {}, {}});
  auto a = sample_ids(1, 12, 2), b = sample_ids(1, 8, 3);
  auto padded_b = at::cat({at::full({1, 4}, 3, at::kLong), b}, 1);
  auto ids = at::cat({a, padded_b});
  auto mask = at::ones({2, 12}, at::kLong);
  mask.index_put_({1, at::indexing::Slice(0, 4)}, 0);
  auto batch = d->forward(ids, mask);
  auto alone_a = d->forward(a), alone_b = d->forward(b);
  EXPECT_LT((batch[0] - alone_a[0]).abs().max().item<double>(), 1e-5);
  EXPECT_LT((batch[1].narrow(0, 4, 8) - alone_b[0]).abs().max().item<double>(), 1e-5);

  // The same through the cache: prefill the padded batch, then decode a token for both rows.
  KvCache cache(d->config().num_layers);
  d->forward(ids, mask, &cache);
  auto next = at::tensor({7, 9}, at::kLong).view({2, 1});
  auto step = d->forward(next, {}, &cache);
  auto ref_a = d->forward(at::cat({a, next[0].view({1, 1})}, 1));
  auto ref_b = d->forward(at::cat({b, next[1].view({1, 1})}, 1));
  EXPECT_LT((step[0][0] - ref_a[0][12]).abs().max().item<double>(), 1e-5);
  EXPECT_LT((step[1][0] - ref_b[0][8]).abs().max().item<double>(), 1e-5);
}

TEST_F(DecoderTest, Bf16TracksFp32) {
  auto f32 = load_decoder(*dir_ / "m", {"float32", "cpu", {}, {}});
  auto bf16 = load_decoder(*dir_ / "m", {"bfloat16", "cpu", {}, {}});
  EXPECT_EQ(bf16->dtype(), at::kBFloat16);
  auto ids = sample_ids(1, 10, 4);
  auto a = f32->forward(ids), b = bf16->forward(ids).to(at::kFloat);
  double rel = ((a - b).abs().max() / a.abs().max()).item<double>();
  EXPECT_LT(rel, 0.05);
  // Same greedy choice at most positions.
  double agree = (a.argmax(-1) == b.argmax(-1)).to(at::kFloat).mean().item<double>();
  EXPECT_GE(agree, 0.8);
}

TEST_F(DecoderTest, MissingTensorIsNamed) {
  testing::TempDir d2;
  std::filesystem::copy(*dir_ / "m", d2 / "m");
  auto src = io::SafetensorsFile::open(*dir_ / "m" / "model.safetensors");
  std::vector<io::TensorData> keep;
  for (const auto& t : src->tensors())
    if (t.name != "model.layers.1.mlp.up_proj.weight") keep.push_back({{t.name, t.dtype, t.shape}, t.data});
  io::save_safetensors(d2 / "m" / "model.safetensors", keep);
  try {
    load_decoder(d2 / "m");
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    EXPECT_EQ(e.code(), core::ErrorCode::kNotFound);
    EXPECT_NE(std::string(e.what()).find("model.layers.1.mlp.up_proj.weight"), std::string::npos) << e.what();
  }
}

TEST_F(DecoderTest, MisShapedTensorNamesBothShapes) {
  testing::TempDir d2;
  std::filesystem::copy(*dir_ / "m", d2 / "m");
  auto src = io::SafetensorsFile::open(*dir_ / "m" / "model.safetensors");
  std::vector<io::TensorData> out;
  std::vector<float> wrong(128 * 7, 0.f);
  for (const auto& t : src->tensors()) {
    if (t.name == "model.layers.0.self_attn.k_proj.weight")
      out.push_back({{t.name, core::DType::kF32, {7, 128}}, wrong.data()});
    else
      out.push_back({{t.name, t.dtype, t.shape}, t.data});
  }
  io::save_safetensors(d2 / "m" / "model.safetensors", out);
  try {
    load_decoder(d2 / "m");
    FAIL() << "expected an error";
  } catch (const core::Error& e) {
    std::string msg = e.what();
    EXPECT_EQ(e.code(), core::ErrorCode::kShapeMismatch);
    EXPECT_NE(msg.find("k_proj.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[7, 128]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 128]"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace llmcp::model
