// Evaluation in batches of similar length, without gradients.
#include "train/evaluate.h"

#include <ATen/core/grad_mode.h>
#include <algorithm>
#include <cmath>
#include <numeric>

namespace llmcp::train {

EvalResult evaluate(const model::Decoder& decoder, const std::vector<Row>& rows, int64_t batch_size, int32_t pad_id) {
  at::NoGradGuard no_grad;
  std::vector<size_t> order(rows.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rows[a].ids.size() < rows[b].ids.size(); });
  double sum = 0;
  int64_t tokens = 0;
  for (size_t i = 0; i < order.size(); i += static_cast<size_t>(batch_size)) {
    std::vector<Row> batch;
    for (size_t j = i; j < std::min(order.size(), i + static_cast<size_t>(batch_size)); ++j) batch.push_back(rows[order[j]]);
    auto l = causal_lm_loss(decoder, collate(batch, pad_id));
    sum += l.sum.item<double>();
    tokens += l.tokens;
  }
  EvalResult r;
  r.tokens = tokens;
  r.loss = tokens ? sum / static_cast<double>(tokens) : 0;
  r.perplexity = std::exp(r.loss);
  return r;
}

}  // namespace llmcp::train
