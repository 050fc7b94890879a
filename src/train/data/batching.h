// Turning examples into training batches: a seeded train/eval split, length-bucketed batches
// (similar lengths together, so little padding), and packing several examples into one sequence.
// Every function is deterministic for a seed, so a resumed run rebuilds the same batches.
#pragma once

#include <cstdint>
#include <vector>

#include "train/data/dataset.h"

namespace llmcp::data {

struct Split {
  std::vector<size_t> train, eval;  // disjoint, each sorted, together 0..n-1
};
// eval gets round(n * fraction) examples, at least 1 when fraction > 0 and n >= 2, and never all
// of them (n < 2: none). eval_fraction must be in [0, 1).
Split split_train_eval(size_t n, double eval_fraction, uint64_t seed);

struct PackedRow {
  std::vector<int32_t> ids;
  std::vector<uint8_t> mask;
  // Which example of the row each token belongs to: 0, 0, 1, 1, 1, ... (a collator that pads the
  // row marks padding -1; rows come back unpadded).
  std::vector<int32_t> segment;
};
// Greedy first-fit in `order`: each example goes into the first row with room for it. Rows are at
// most seq_len long and not padded. An example longer than seq_len throws kInvalidArgument
// (truncate first: DataOptions::max_seq_len).
std::vector<PackedRow> pack_examples(const std::vector<Example>& examples, const std::vector<size_t>& order,
                                     int64_t seq_len);

// Shuffles `indices` (when shuffle), sorts them by length within groups of 50 batches, cuts
// batches, and shuffles the batch order (when shuffle). Every index appears once; the last batch
// may be short.
std::vector<std::vector<size_t>> length_bucketed_batches(const std::vector<Example>& examples,
                                                         const std::vector<size_t>& indices, int64_t batch_size,
                                                         uint64_t seed, bool shuffle);

}  // namespace llmcp::data
