// Tensors out of safetensors views: every dtype converts, and a tensor at an unaligned offset
// (allowed by the format) is read correctly.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include "io/safetensors.h"
#include "model/tensor_view.h"
#include "test_util.h"

namespace llmcp::model {
namespace {

TEST(TensorViewTest, UnalignedOffsetReadsCorrectly) {
  testing::TempDir dir;
  std::vector<uint8_t> three = {1, 2, 3};
  std::vector<float> values = {1.5f, -2.25f, 3.0f, 1e-3f};
  io::save_safetensors(dir / "u.safetensors", {{{"bytes", core::DType::kU8, {3}}, three.data()},
                                               {{"f", core::DType::kF32, {2, 2}}, values.data()}});
  auto f = io::SafetensorsFile::open(dir / "u.safetensors");
  const auto& v = f->at("f");
  ASSERT_NE(reinterpret_cast<uintptr_t>(v.data) % 4, 0u) << "the test needs a misaligned tensor";
  auto t = tensor_from_view(v, at::kFloat, at::kCPU);
  EXPECT_TRUE(at::equal(t, at::tensor(values).view({2, 2})));
  auto b = tensor_from_view(v, at::kBFloat16, at::kCPU);
  EXPECT_EQ(b.scalar_type(), at::kBFloat16);
  EXPECT_FLOAT_EQ(b[0][1].item<float>(), -2.25f);
}

TEST(TensorViewTest, DtypesRoundTrip) {
  for (auto t : {at::kFloat, at::kBFloat16, at::kHalf, at::kLong, at::kInt, at::kShort, at::kChar, at::kByte,
                 at::kBool, at::kDouble})
    EXPECT_EQ(to_scalar_type(from_scalar_type(t)), t);
}

}  // namespace
}  // namespace llmcp::model
