// Shared set-up for adapter tests: a tiny synthetic model folder, random token batches, and the
// masked next-token loss every fine-tuning method minimises.
#pragma once

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "model/loader.h"
#include "model/synthetic.h"
#include "test_util.h"

namespace llmcp::peft::testing {

inline void make_tiny_model(const std::filesystem::path& dir, const std::string& overrides = "{}",
                            const std::string& family = "llama", uint64_t seed = 11) {
  model::SyntheticSpec spec;
  spec.family = family;
  spec.seed = seed;
  spec.overrides = nlohmann::json::parse(overrides);
  model::create_synthetic_model(spec, dir);
}

inline at::Tensor random_ids(int64_t B, int64_t T, uint64_t seed) {
  return at::randint(4, 500, {B, T}, at::make_generator<at::CPUGeneratorImpl>(seed), at::kLong);
}

// Mean negative log-likelihood of ids[t] given ids[<t] over positions where targets[t] = 1.
inline at::Tensor masked_nll(const at::Tensor& logits, const at::Tensor& ids, const at::Tensor& targets) {
  const int64_t T = ids.size(1);
  auto lp = at::log_softmax(logits.narrow(1, 0, T - 1).to(at::kDouble), -1);
  auto nll = -lp.gather(-1, ids.narrow(1, 1, T - 1).unsqueeze(-1)).squeeze(-1);
  auto m = targets.narrow(1, 1, T - 1).to(at::kDouble);
  return (nll * m).sum() / m.sum();
}

// A fixture with the tiny model's folder in dir_/m and it loaded in fp32.
class TinyModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_tiny_model(dir_ / "m");
    decoder_ = model::load_decoder(dir_ / "m", {"float32", "cpu", {}, {}});
  }
  llmcp::testing::TempDir dir_;
  std::unique_ptr<model::Decoder> decoder_;
};

}  // namespace llmcp::peft::testing
