// Batching: the split is disjoint, complete, sized as documented and seeded; bucketed batches
// cover every index once, group similar lengths (far less spread than random batches) and depend
// only on the seed; packing matches a plain first-fit reference, never exceeds seq_len and labels
// each token with its example.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

#include "core/error.h"
#include "train/data/batching.h"

namespace llmcp::data {
namespace {

// 500 examples, lengths 1..97 in a scrambled order, token values that identify the example.
std::vector<Example> examples(size_t n = 500) {
  std::vector<Example> ex;
  for (size_t i = 0; i < n; ++i) {
    const size_t len = 1 + (i * 37) % 97;
    Example e;
    e.ids.assign(len, static_cast<int32_t>(i));
    e.mask.assign(len, 1);
    e.mask[0] = 0;
    e.line = static_cast<int64_t>(i + 1);
    ex.push_back(std::move(e));
  }
  return ex;
}

std::vector<size_t> iota(size_t n) {
  std::vector<size_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

double mean_spread(const std::vector<Example>& ex, const std::vector<std::vector<size_t>>& batches) {
  double spread = 0;
  for (const auto& b : batches) {
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i : b) {
      lo = std::min(lo, ex[i].ids.size());
      hi = std::max(hi, ex[i].ids.size());
    }
    spread += static_cast<double>(hi - lo);
  }
  return spread / static_cast<double>(batches.size());
}

TEST(BatchingTest, BucketedBatchesAreCompleteSeededAndLengthGrouped) {
  const auto ex = examples();
  const auto idx = iota(ex.size());
  const auto a = length_bucketed_batches(ex, idx, 8, 1, true);
  EXPECT_EQ(a, length_bucketed_batches(ex, idx, 8, 1, true));
  EXPECT_NE(a, length_bucketed_batches(ex, idx, 8, 2, true));
  std::vector<size_t> seen;
  size_t short_batches = 0;
  for (const auto& b : a) {
    seen.insert(seen.end(), b.begin(), b.end());
    short_batches += b.size() < 8;
    EXPECT_FALSE(b.empty());
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, idx) << "every index exactly once";
  EXPECT_EQ(short_batches, 1u);  // 500 = 62 * 8 + 4
  EXPECT_EQ(a.size(), 63u);

  // Random batches of 8 from lengths spread over 1..97 span ~70 tokens; bucketed ones a few.
  std::vector<size_t> shuffled = idx;
  std::mt19937_64 rng(7);
  for (size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng() % i]);
  std::vector<std::vector<size_t>> random;
  for (size_t i = 0; i < shuffled.size(); i += 8)
    random.emplace_back(shuffled.begin() + static_cast<ptrdiff_t>(i),
                        shuffled.begin() + static_cast<ptrdiff_t>(std::min(shuffled.size(), i + 8)));
  const double bucketed = mean_spread(ex, a), baseline = mean_spread(ex, random);
  EXPECT_LT(bucketed, 0.15 * baseline) << bucketed << " vs random " << baseline;

  // A subset of indices: only those come back.
  const std::vector<size_t> subset = {3, 9, 27, 81, 243, 4, 16, 64, 256};
  auto sub = length_bucketed_batches(ex, subset, 4, 3, true);
  std::vector<size_t> got;
  for (const auto& b : sub) got.insert(got.end(), b.begin(), b.end());
  std::sort(got.begin(), got.end());
  std::vector<size_t> want = subset;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);

  // Without shuffling: batches in order, lengths ascending within each group of 50 batches.
  const auto fixed = length_bucketed_batches(ex, idx, 2, 1, false);
  std::vector<size_t> flat;
  for (const auto& b : fixed) flat.insert(flat.end(), b.begin(), b.end());
  EXPECT_TRUE(std::is_sorted(flat.begin(), flat.begin() + 100,
                             [&](size_t x, size_t y) { return ex[x].ids.size() < ex[y].ids.size(); }));
  EXPECT_THROW(length_bucketed_batches(ex, idx, 0, 1, true), core::Error);
  EXPECT_THROW(length_bucketed_batches(ex, {ex.size()}, 2, 1, true), core::Error);
}

TEST(BatchingTest, SplitIsDisjointCompleteAndSized) {
  struct Case {
    size_t n;
    double fraction;
    size_t eval;
  };
  for (const Case c : {Case{100, 0.1, 10}, Case{10, 0.25, 3}, Case{2, 0.01, 1}, Case{3, 0.9, 2}, Case{1, 0.5, 0},
                       Case{0, 0.1, 0}, Case{50, 0.0, 0}}) {
    const Split s = split_train_eval(c.n, c.fraction, 4);
    EXPECT_EQ(s.eval.size(), c.eval) << c.n << " x " << c.fraction;
    EXPECT_EQ(s.train.size() + s.eval.size(), c.n);
    std::vector<size_t> all = s.train;
    all.insert(all.end(), s.eval.begin(), s.eval.end());
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, iota(c.n)) << "disjoint and complete";
    EXPECT_EQ(split_train_eval(c.n, c.fraction, 4).eval, s.eval);
  }
  EXPECT_NE(split_train_eval(100, 0.1, 4).eval, split_train_eval(100, 0.1, 5).eval);
  EXPECT_THROW(split_train_eval(10, 1.0, 1), core::Error);
  EXPECT_THROW(split_train_eval(10, -0.1, 1), core::Error);
}

// First fit as written in a textbook: scan the rows from the first.
std::vector<std::vector<size_t>> reference_first_fit(const std::vector<Example>& ex, const std::vector<size_t>& order,
                                                     size_t seq_len) {
  std::vector<std::vector<size_t>> rows;
  std::vector<size_t> used;
  for (size_t i : order) {
    size_t r = 0;
    while (r < rows.size() && used[r] + ex[i].ids.size() > seq_len) ++r;
    if (r == rows.size()) {
      rows.emplace_back();
      used.push_back(0);
    }
    rows[r].push_back(i);
    used[r] += ex[i].ids.size();
  }
  return rows;
}

TEST(BatchingTest, PackingIsFirstFitWithinSeqLenAndLabelsSegments) {
  const auto ex = examples();
  std::vector<size_t> order = iota(ex.size());
  std::mt19937_64 rng(11);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  for (const int64_t seq_len : {97, 128, 300}) {
    const auto rows = pack_examples(ex, order, seq_len);
    const auto reference = reference_first_fit(ex, order, static_cast<size_t>(seq_len));
    ASSERT_EQ(rows.size(), reference.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      const PackedRow& row = rows[r];
      EXPECT_LE(row.ids.size(), static_cast<size_t>(seq_len));
      ASSERT_EQ(row.mask.size(), row.ids.size());
      ASSERT_EQ(row.segment.size(), row.ids.size());
      // The row holds the reference's examples, in order, each with its own segment number.
      std::vector<int32_t> ids, segment;
      std::vector<uint8_t> mask;
      for (size_t k = 0; k < reference[r].size(); ++k) {
        const Example& e = ex[reference[r][k]];
        ids.insert(ids.end(), e.ids.begin(), e.ids.end());
        mask.insert(mask.end(), e.mask.begin(), e.mask.end());
        segment.insert(segment.end(), e.ids.size(), static_cast<int32_t>(k));
      }
      EXPECT_EQ(row.ids, ids);
      EXPECT_EQ(row.mask, mask);
      EXPECT_EQ(row.segment, segment);
    }
  }
  EXPECT_THROW(pack_examples(ex, order, 50), core::Error);  // lengths go up to 97
  EXPECT_THROW(pack_examples(ex, order, 0), core::Error);
  EXPECT_TRUE(pack_examples(ex, {}, 16).empty());
}

}  // namespace
}  // namespace llmcp::data
