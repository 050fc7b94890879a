// The paged KV cache's storage and the attention of one serving step. Every layer keeps its keys
// and values in one tensor of slots [blocks x block_size, K, D]; a sequence's block table (from the
// scheduler) says which slots hold its tokens. A step writes the new tokens' keys and values into
// their slots, then each sequence attends over its own slots gathered in order, with the same
// attention call (and so the same numbers) as a lone generation with model::KvCache.
#pragma once

#include <ATen/ATen.h>

#include <optional>
#include <vector>

#include "model/decoder.h"
#include "serve/scheduler.h"

namespace llmcp::serve {

class PagedKv {
 public:
  PagedKv(const model::DecoderConfig& config, int64_t num_blocks, int64_t block_size, at::ScalarType dtype,
          at::Device device);
  // Bytes one block takes over all layers (keys and values).
  static int64_t block_bytes(const model::DecoderConfig& config, int64_t block_size, at::ScalarType dtype);

  int64_t num_blocks() const { return num_blocks_; }
  int64_t block_size() const { return block_size_; }
  at::Tensor& keys(int64_t layer) { return k_[static_cast<size_t>(layer)]; }
  at::Tensor& values(int64_t layer) { return v_[static_cast<size_t>(layer)]; }
  at::Device device() const { return device_; }

 private:
  int64_t num_blocks_, block_size_;
  at::Device device_;
  std::vector<at::Tensor> k_, v_;
};

// One step of a StepPlan over a PagedKv: the decoder's inputs (ids, positions, the rows whose
// logits are sampled) and its attention.
class PagedStep : public model::TokenAttention {
 public:
  PagedStep(PagedKv& kv, const StepPlan& plan, std::optional<int64_t> sliding_window);

  const at::Tensor& ids() const { return ids_; }              // [N]
  const at::Tensor& positions() const { return positions_; }  // [N]
  const at::Tensor& rows() const { return rows_; }            // [M]: the last token of each sampling item
  const std::vector<size_t>& sampled_items() const { return sampled_; }  // plan item of each row

  at::Tensor attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) override;

 private:
  struct Item {
    int64_t offset = 0, count = 0;  // its tokens in the flat batch
    at::Tensor context;             // [S] slots of tokens [0, start + count), in order
    at::Tensor mask;                // [1,1,T,S] when a sliding window binds; else undefined (causal)
  };
  PagedKv& kv_;
  std::vector<Item> items_;
  at::Tensor ids_, positions_, rows_, new_slots_;
  std::vector<size_t> sampled_;
};

}  // namespace llmcp::serve
