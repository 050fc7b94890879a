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
  LLMCP_CHECK(eval_fraction >= 0 && eval_fraction < 1, kInvalidArgument, "eval_fraction must be in [0, 1), got ",
              eval_fraction);
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::mt19937_64 rng(seed ^ 0x5eed5eedULL);
  shuffle(idx, rng);
  size_t k = static_cast<size_t>(std::llround(static_cast<double>(n) * eval_fraction));
  if (eval_fraction > 0 && n >= 2) k = std::clamp<size_t>(k, 1, n - 1);
  if (n < 2) k = 0;  // never leave nothing to train on
  Split s;
  s.eval.assign(idx.begin(), idx.begin() + static_cast<ptrdiff_t>(k));
  s.train.assign(idx.begin() + static_cast<ptrdiff_t>(k), idx.end());
  std::sort(s.eval.begin(), s.eval.end());
  std::sort(s.train.begin(), s.train.end());
  return s;
}

std::vector<PackedRow> pack_examples(const std::vector<Example>& examples, const std::vector<size_t>& order,
                                     int64_t seq_len) {
  LLMCP_CHECK(seq_len > 0, kInvalidArgument, "seq_len must be positive to pack examples, got ", seq_len);
  // First fit in O(log rows): a max-tree over the rows' free space finds the lowest-numbered row
  // with room. There are at most order.size() rows; unopened rows have seq_len free.
  size_t leaves = 1;
  while (leaves < std::max<size_t>(order.size(), 1)) leaves *= 2;
  std::vector<int64_t> free(2 * leaves, seq_len);
  std::vector<PackedRow> rows;
  for (const size_t i : order) {
    LLMCP_CHECK(i < examples.size(), kInvalidArgument, "example index ", i, " out of range (", examples.size(),
                " examples)");
    const Example& e = examples[i];
    const auto len = static_cast<int64_t>(e.ids.size());
    LLMCP_CHECK(len <= seq_len, kInvalidArgument, "the example of line ", e.line, " has ", len,
                " tokens, more than seq_len ", seq_len, " (truncate before packing)");
    LLMCP_CHECK(e.mask.size() == e.ids.size(), kInvalidArgument, "the example of line ", e.line, " has ",
                e.ids.size(), " ids but ", e.mask.size(), " mask values");
    size_t node = 1;
    while (node < leaves) node = free[2 * node] >= len ? 2 * node : 2 * node + 1;
    const size_t r = node - leaves;
    if (r == rows.size()) rows.emplace_back();
    PackedRow& row = rows[r];
    const int32_t segment = row.segment.empty() ? 0 : row.segment.back() + 1;
    row.ids.insert(row.ids.end(), e.ids.begin(), e.ids.end());
    row.mask.insert(row.mask.end(), e.mask.begin(), e.mask.end());
    row.segment.insert(row.segment.end(), e.ids.size(), segment);
    for (free[node] -= len, node /= 2; node >= 1; node /= 2) free[node] = std::max(free[2 * node], free[2 * node + 1]);
  }
  return rows;
}

std::vector<std::vector<size_t>> length_bucketed_batches(const std::vector<Example>& examples,
                                                         const std::vector<size_t>& indices, int64_t batch_size,
                                                         uint64_t seed, bool shuffle_order) {
  LLMCP_CHECK(batch_size > 0, kInvalidArgument, "batch_size must be positive, got ", batch_size);
  for (const size_t i : indices)
    LLMCP_CHECK(i < examples.size(), kInvalidArgument, "example index ", i, " out of range (", examples.size(),
                " examples)");
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
