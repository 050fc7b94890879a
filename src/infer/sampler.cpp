// Logit processors and the seeded draw. One generator per request keeps runs reproducible.
#include "infer/sampler.h"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "core/error.h"

namespace llmcp::infer {

void SamplingParams::validate() const {
  LLMCP_CHECK(temperature >= 0, kInvalidArgument, "temperature must be >= 0 (0 = greedy), got ", temperature);
  LLMCP_CHECK(top_k >= 0, kInvalidArgument, "top_k must be >= 0 (0 = off), got ", top_k);
  LLMCP_CHECK(top_p > 0 && top_p <= 1, kInvalidArgument, "top_p must be in (0, 1], got ", top_p);
  LLMCP_CHECK(min_p >= 0 && min_p <= 1, kInvalidArgument, "min_p must be in [0, 1], got ", min_p);
  LLMCP_CHECK(repetition_penalty > 0, kInvalidArgument, "repetition_penalty must be > 0, got ", repetition_penalty);
}

Sampler::Sampler(const SamplingParams& params)
    : params_(params), gen_(at::make_generator<at::CPUGeneratorImpl>(params.seed)) {
  params_.validate();
}

at::Tensor Sampler::process(const at::Tensor& logits_in, const std::vector<int64_t>& history) const {
  const float neg_inf = -std::numeric_limits<float>::infinity();
  auto logits = logits_in.to(at::kCPU, at::kFloat).clone();  // [V]
  const int64_t V = logits.size(0);
  std::vector<int64_t> seen;
  for (auto id : history)
    if (id >= 0 && id < V) seen.push_back(id);  // ids outside these logits are not penalised
  if (params_.repetition_penalty != 1.0 && !seen.empty()) {
    auto ids = at::tensor(seen, at::kLong);
    auto s = logits.index_select(0, ids);
    s = at::where(s < 0, s * params_.repetition_penalty, s / params_.repetition_penalty);
    logits.index_put_({ids}, s);
  }
  if (params_.temperature == 0.0) return logits;
  logits = logits / params_.temperature;
  if (params_.top_k > 0 && params_.top_k < V) {
    auto kth = std::get<0>(logits.topk(params_.top_k)).min();
    logits = logits.masked_fill(logits < kth, neg_inf);
  }
  if (params_.top_p < 1.0) {
    auto [sorted, idx] = logits.sort(/*dim=*/0, /*descending=*/false);
    auto cum = sorted.softmax(0).cumsum(0);
    auto remove_sorted = cum <= (1.0 - params_.top_p);
    remove_sorted.index_put_({-1}, false);  // always keep the most likely token
    auto remove = at::zeros_like(remove_sorted).scatter(0, idx, remove_sorted);
    logits = logits.masked_fill(remove, neg_inf);
  }
  if (params_.min_p > 0.0) {
    auto probs = logits.softmax(0);
    auto threshold = probs.max() * params_.min_p;
    logits = logits.masked_fill(probs < threshold, neg_inf);
  }
  return logits;
}

int64_t Sampler::next(const at::Tensor& logits, const std::vector<int64_t>& history) {
  auto processed = process(logits, history);
  if (params_.temperature == 0.0) return processed.argmax().item<int64_t>();
  auto probs = processed.softmax(0);
  return at::multinomial(probs, 1, /*replacement=*/false, gen_).item<int64_t>();
}

}  // namespace llmcp::infer
