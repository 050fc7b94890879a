// Split, bucketing and packing with our own Fisher-Yates over mt19937_64 (std::shuffle's
// algorithm differs between standard libraries; ours gives the same batches everywhere).
#include "train/data/batching.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "core/error.h"

namespace llmcp::data {
namespace {

template <typename T>
void shuffle(std::vector<T>& v, std::mt19937_64& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(v[i - 1], v[j]);
  }
}

}  // namespace

Split split_train_eval(size_t n, double eval_fraction, uint64_t seed) {
  LLMCP_CHECK(eval_fraction >= 0 && eval_fraction < 1, kInvalidArgument, "eval_fraction must be in [0, 1)");
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
  shuffle(idx, rng);
  size_t k = static_cast<size_t>(std::llround(static_cast<double>(n) * eval_fraction));
  if (eval_fraction > 0 && n >= 2) k = std::clamp<size_t>(k, 1, n - 1);
  Split s;
  s.eval.assign(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(k));
  s.train.assign(idx.begin() + static_cast<ptrdiff_t>(k), idx.end());
  std::sort(s.eval.begin(), s.eval.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

std::vector<PackedRow> pack_examples(const std::vector<Example>& examples, const std::vector<size_t>& order,
                                     int64_t seq_len) {
  std::vector<PackedRow> rows;
  for (size_t i : order) {
    const auto& e = examples.at(i);
    LLMCP_CHECK(static_cast<int64_t>(e.ids.size()) <= seq_len, kInvalidArgument, "example of line ", e.line, " has ",
                e.ids.size(), " tokens, more than seq_len ", seq_len, " (truncate before packing)");
    PackedRow* target = nullptr;
    for (auto& r : rows)
      if (static_cast<int64_t>(r.ids.size() + e.ids.size()) <= seq_len) {
        target = &r;
        break;
      }
    if (!target) target = &rows.emplace_back();
    const int32_t seg = target->segment.empty() ? 0 : target->segment.back() + 1;
    target->ids.insert(target->ids.end(), e.ids.begin(), e.ids.end());
    target->mask.insert(target->mask.end(), e.mask.begin(), e.mask.end());
    target->segment.insert(target->segment.end(), e.ids.size(), seg);
  }
  return rows;
}

std::vector<std::vector<size_t>> length_bucketed_batches(const std::vector<Example>& examples,
                                                         const std::vector<size_t>& indices, int64_t batch_size,
                                                         uint64_t seed, bool shuffle_order) {
  LLMCP_CHECK(batch_size > 0, kInvalidArgument, "batch_size must be positive");
  std::mt19937_64 rng(seed);
  std::vector<size_t> idx = indices;
  if (shuffle_order) shuffle(idx, rng);
  const size_t B = static_cast<size_t>(batch_size), group = 50 * B;
  for (size_t g = 0; g < idx.size(); g += group) {
    auto first = idx.begin() + static_cast<ptrdiff_t>(g);
    auto last = idx.begin() + static_cast<ptrdiff_t>(std::min(idx.size(), g + group));
    std::stable_sort(first, last, [&](size_t a, size_t b) { return examples[a].ids.size() < examples[b].ids.size(); });
  }
  std::vector<std::vector<size_t>> batches;
  for (size_t i = 0; i < idx.size(); i += B)
    batches.emplace_back(idx.begin() + static_cast<ptrdiff_t>(i),
                         idx.begin() + static_cast<ptrdiff_t>(std::min(idx.size(), i + B)));
  if (shuffle_order) shuffle(batches, rng);
  return batches;
}

}  // namespace llmcp::data
