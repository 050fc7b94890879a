// Routing, per-expert grouping and the load-balancing loss of a sparse mixture of experts.
#include "model/moe.h"

#include "core/error.h"

namespace llmcp::model {

MoeOutput moe_forward(const MoeConfig& moe, MlpKind kind, const Linear& router, const std::vector<Mlp>& experts,
                      const at::Tensor& h, bool training) {
  const int64_t C = h.size(-1), E = static_cast<int64_t>(experts.size()), k = moe.top_k;
  auto x = h.reshape({-1, C});  // [N,C]
  if (training && moe.jitter_noise > 0)
    x = x * at::empty_like(x).uniform_(1.0 - moe.jitter_noise, 1.0 + moe.jitter_noise);
  auto logits = router.forward(x);  // [N,E]
  auto [weights, selected] = at::softmax(logits, -1, at::kFloat).topk(k, -1);  // [N,k], highest first
  weights = (weights / weights.sum(-1, /*keepdim=*/true)).to(x.scalar_type());

  // Group the N*k (token, pick) pairs by expert with one stable sort, then run each expert once
  // on its tokens only.
  auto flat = selected.reshape({-1});
  auto order = std::get<1>(flat.sort(c10::optional<bool>(true), 0, /*descending=*/false));
  auto token_of = at::div(order, k, "floor");
  auto pick_weight = weights.reshape({-1}).index_select(0, order).unsqueeze(1);
  auto counts = at::bincount(flat, {}, E).to(at::kCPU);
  const auto* count = counts.data_ptr<int64_t>();
  auto out = at::zeros_like(x);
  int64_t start = 0;
  for (int64_t e = 0; e < E; ++e) {
    const int64_t n = count[e];
    // An expert no token chose is skipped, unless its base is sharded: then every rank gathers
    // every expert in the same order (a collective), whatever its own tokens chose.
    if (n == 0 && !experts[static_cast<size_t>(e)].up.sharded()) continue;
    auto tokens = token_of.narrow(0, start, n);
    auto y = experts[static_cast<size_t>(e)].forward(kind, x.index_select(0, tokens)) * pick_weight.narrow(0, start, n);
    out = out.index_add(0, tokens, y.to(out.scalar_type()));
    start += n;
  }
  return {out.view(h.sizes()), logits, selected};
}

at::Tensor load_balancing_loss(const std::vector<at::Tensor>& router_logits, int64_t num_experts, int64_t top_k,
                               const at::Tensor& mask) {
  LLMCP_CHECK(!router_logits.empty(), kInternal, "load_balancing_loss without router logits");
  auto probs = at::softmax(at::cat(router_logits, 0), -1, at::kFloat);  // [L*N, E]
  auto picks = at::one_hot(std::get<1>(probs.topk(top_k, -1)), num_experts).to(at::kFloat);  // [L*N, k, E]
  at::Tensor tokens_per_expert, prob_per_expert;  // [k, E], [E]
  if (!mask.defined()) {
    tokens_per_expert = picks.mean(0);
    prob_per_expert = probs.mean(0);
  } else {
    const int64_t layers = static_cast<int64_t>(router_logits.size());
    LLMCP_CHECK(probs.size(0) == layers * mask.numel(), kShapeMismatch, "router logits cover ", probs.size(0),
                " rows but the mask has ", mask.numel(), " tokens x ", layers, " layers");
    auto m = mask.reshape({-1}).to(probs.device(), at::kFloat).repeat({layers});  // [L*N], layer-major
    auto real = m.sum();
    tokens_per_expert = (picks * m.view({-1, 1, 1})).sum(0) / real;
    prob_per_expert = (probs * m.view({-1, 1})).sum(0) / real;
  }
  return (tokens_per_expert * prob_per_expert.unsqueeze(0)).sum() * static_cast<double>(num_experts);
}

}  // namespace llmcp::model
