// Log-probabilities and constrained decoding; see token_choice.h.
#include "infer/token_choice.h"

#include "core/error.h"

namespace llmcp::infer {

TokenLogprob token_logprob(const at::Tensor& logits, int64_t token, int64_t top) {
  const at::Tensor lp = at::log_softmax(logits.to(at::kFloat), 0);
  TokenLogprob out;
  out.token = token;
  out.logprob = lp[token].item<double>();
  if (top > 0) {
    const auto best = lp.topk(std::min(top, lp.size(0)));
    const at::Tensor vals = std::get<0>(best).cpu(), ids = std::get<1>(best).cpu();
    for (int64_t i = 0; i < vals.size(0); ++i) out.top.emplace_back(ids[i].item<int64_t>(), vals[i].item<double>());
  }
  return out;
}

at::Tensor TokenConstraint::mask(const at::Tensor& logits) const {
  const int64_t V = logits.size(0);
  std::vector<int64_t> allowed;
  for (int64_t id = 0; id < V && id < static_cast<int64_t>(texts->size()); ++id)
    if (grammar->accepts((*texts)[static_cast<size_t>(id)])) allowed.push_back(id);
  LLMCP_CHECK(!allowed.empty(), kInternal, "no token of this tokenizer can continue the forced tool call");
  at::Tensor out = at::full_like(logits, -std::numeric_limits<float>::infinity());
  const at::Tensor index = at::tensor(allowed, at::kLong).to(logits.device());
  out.index_put_({index}, logits.index({index}));
  return out;
}

void TokenConstraint::advance(int64_t token) { grammar->advance((*texts).at(static_cast<size_t>(token))); }

}  // namespace llmcp::infer
