// Next-token selection: greedy, or seeded sampling after HF's processors in HF's order
// (repetition penalty, temperature, top-k, top-p, min-p).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace llmcp::infer {

struct SamplingParams {
  double temperature = 0.0;  // 0 = greedy
  int64_t top_k = 0;         // 0 = off
  double top_p = 1.0;        // 1 = off
  double min_p = 0.0;        // 0 = off
  double repetition_penalty = 1.0;
  uint64_t seed = 0;

  void validate() const;  // errors say which value is out of range
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);
  // logits [V] (any float dtype); history = prompt + generated ids (for the repetition penalty).
  int64_t next(const at::Tensor& logits, const std::vector<int64_t>& history);
  // The processed distribution's log-weights (masked entries -inf); exposed for tests.
  at::Tensor process(const at::Tensor& logits, const std::vector<int64_t>& history) const;

 private:
  SamplingParams params_;
  at::Generator gen_;
};

}  // namespace llmcp::infer
