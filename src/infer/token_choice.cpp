// Log-probabilities and constrained decoding; see token_choice.h.
#include "infer/token_choice.h"

#include <algorithm>
#include <limits>

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

at::Tensor TokenConstraint::mask(const at::Tensor& logits, int64_t tokens_left) const {
  const int64_t V = std::min<int64_t>(logits.size(0), static_cast<int64_t>(texts->size()));
  const size_t budget = static_cast<size_t>(std::max<int64_t>(tokens_left - 1, 0));
  // A byte grows the closing by at most 4 (`,` in an object opens a key: `"":0`), so tokens far
  // from the budget need only the cheaper check.
  const size_t closing = grammar->closing().size();
  std::vector<int64_t> allowed;
  for (int64_t id = 0; id < V; ++id) {
    const std::string& text = (*texts)[static_cast<size_t>(id)];
    if (closing + 8 * text.size() <= budget ? grammar->accepts(text) : grammar->fits(text, budget)) allowed.push_back(id);
  }
  if (allowed.empty())  // too few tokens left to close the call from the start: it ends at the length limit
    for (int64_t id = 0; id < V; ++id)
      if (grammar->accepts((*texts)[static_cast<size_t>(id)])) allowed.push_back(id);
  LLMCP_CHECK(!allowed.empty(), kInternal, "no token of this tokenizer can continue the forced tool call");
  at::Tensor out = at::full_like(logits, -std::numeric_limits<float>::infinity());
  const at::Tensor index = at::tensor(allowed, at::kLong).to(logits.device());
  out.index_put_({index}, logits.index({index}));
  return out;
}

void TokenConstraint::advance(int64_t token) { grammar->advance((*texts).at(static_cast<size_t>(token))); }

}  // namespace llmcp::infer
