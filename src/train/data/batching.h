// Turning examples into training batches: a seeded train/eval split, length-bucketed batches
// (similar lengths together, so little padding), and packing several examples into one sequence.
// Every function is deterministic for a seed, so a resumed run rebuilds the same batches.
#pragma once

#include <cstdint>
#include <vector>

#include "train/data/dataset.h"

namespace llmcp::data {

struct Split {
  std::vector<size_t> train, eval;
};
// eval gets round(n * fraction) examples (at least 1 when fraction > 0 and n >= 2).
Split split_train_eval(size_t n, double eval_fraction, uint64_t seed);

struct PackedRow {
  std::vector<int32_t> ids;
  std::vector<uint8_t> mask;
  std::vector<int32_t> segment;  // which example of the row each token belongs to: 0, 0, 1, 1, 1, ...
};
// Greedy first-fit in `order`; rows are at most seq_len long and not padded.
std::vector<PackedRow> pack_examples(const std::vector<Example>& examples, const std::vector<size_t>& order,
                                     int64_t seq_len);

// Shuffles `indices` (when shuffle), sorts them by length within groups of 50 batches, cuts
// batches, and shuffles the batch order. Every index appears once; the last batch may be short.
std::vector<std::vector<size_t>> length_bucketed_batches(const std::vector<Example>& examples,
                                                         const std::vector<size_t>& indices, int64_t batch_size,
                                                         uint64_t seed, bool shuffle);

}  // namespace llmcp::data
