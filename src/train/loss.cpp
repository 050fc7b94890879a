// Collation and the masked next-token loss.
#include "train/loss.h"

#include <algorithm>

#include "core/error.h"
#include "model/moe.h"

namespace llmcp::train {

int64_t Batch::target_count() const { return targets.sum().item<int64_t>(); }

Batch collate(const std::vector<Row>& rows, int32_t pad_id) {
  LLMCP_CHECK(!rows.empty(), kInternal, "empty batch");
  size_t T = 0;
  bool packed = !rows.front().segment.empty();
  for (const auto& r : rows) T = std::max(T, r.ids.size());
  const auto B = static_cast<int64_t>(rows.size());
  auto ids = at::full({B, static_cast<int64_t>(T)}, pad_id, at::kLong);
  auto attention = at::zeros({B, static_cast<int64_t>(T)}, at::kLong);
  auto targets = at::zeros({B, static_cast<int64_t>(T)}, at::kBool);
  auto segments = packed ? at::full({B, static_cast<int64_t>(T)}, -1, at::kLong) : at::Tensor();
  auto id_a = ids.accessor<int64_t, 2>();
  auto at_a = attention.accessor<int64_t, 2>();
  auto tg_a = targets.accessor<bool, 2>();
  for (int64_t b = 0; b < B; ++b) {
    const auto& r = rows[static_cast<size_t>(b)];
    for (size_t t = 0; t < r.ids.size(); ++t) {
      id_a[b][static_cast<int64_t>(t)] = r.ids[t];
      at_a[b][static_cast<int64_t>(t)] = 1;
      tg_a[b][static_cast<int64_t>(t)] = t > 0 && r.mask[t] != 0;
    }
    if (packed) {
      auto sg = segments.accessor<int64_t, 2>();
      for (size_t t = 0; t < r.segment.size(); ++t) {
        sg[b][static_cast<int64_t>(t)] = r.segment[t];
        // A segment's first token is not predicted from the previous example's last.
        if (t > 0 && r.segment[t] != r.segment[t - 1]) tg_a[b][static_cast<int64_t>(t)] = false;
      }
    }
  }
  return {ids, attention, targets, segments};
}

LossSum causal_lm_loss(const model::Decoder& decoder, const Batch& batch, bool router_loss) {
  const int64_t T = batch.ids.size(1);
  const auto& moe = decoder.config().moe;
  model::RouterTrace trace;
  auto hidden = decoder.hidden_states(batch.ids, batch.attention, batch.segments,
                                      router_loss && moe ? &trace : nullptr);  // [B,T,C]
  auto dev = hidden.device();
  auto predicts = batch.targets.narrow(1, 1, T - 1).to(dev);                         // [B,T-1]
  const int64_t C = hidden.size(2);
  auto h = hidden.narrow(1, 0, T - 1).masked_select(predicts.unsqueeze(-1)).view({-1, C});  // [N,C]
  auto labels = batch.ids.narrow(1, 1, T - 1).to(dev).masked_select(predicts);             // [N]
  LossSum out;
  out.tokens = labels.size(0);
  if (!trace.logits.empty())
    out.router = model::load_balancing_loss(trace.logits, moe->num_experts, moe->top_k, batch.attention);
  if (out.tokens == 0) {
    out.sum = hidden.sum() * 0.0;  // keeps the graph connected
    return out;
  }
  auto logits = decoder.logits(h).to(at::kFloat);  // [N,V]
  out.sum = at::cross_entropy_loss(logits, labels, {}, at::Reduction::Sum);
  return out;
}

}  // namespace llmcp::train
