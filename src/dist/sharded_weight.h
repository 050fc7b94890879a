// A frozen base weight split across the ranks (FSDP / ZeRO-3's full shard, for the part of a
// model that does not train): each rank keeps 1/world of the weight's bytes, the packed 4-bit
// data and its block constants too, and every product gathers the whole with one all-gather and
// frees it after (model/sharded_linear.h). The split is by bytes of the flat tensors, so a whole
// gathered weight is bit for bit the one that was split, and the gather writes it in place (the
// only copy). Each gather first gathers the layer's id from every rank (8 bytes), so ranks that
// ever ask for different layers fail at once, naming the layer, instead of mixing them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dist/process_group.h"
#include "model/base_shard.h"

namespace llmcp::dist {

// What the sharded weights of one model share: what their gathers moved, for metrics.jsonl (read
// and reset by the training loop), and the gathers' buffers, reused from layer to layer while no
// one holds the last whole weight (so the heap does not churn through a layer's size per product).
struct GatherContext {
  std::atomic<int64_t> bytes{0};  // received from the other ranks
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> micros{0};  // time inside the all-gathers
  at::Tensor whole;                // uint8: every rank's part, joined
};

class ShardedWeight : public model::BaseShard {
 public:
  // Keeps this rank's part of `whole` (dense or quantized); `group` (its own sequence of
  // collectives, shared by every sharded weight of the model) and `context` (null: fresh buffers, no counts) outlive it.
  ShardedWeight(Group& group, std::string name, const model::WholeBase& whole, GatherContext* context);
  model::WholeBase gather() const override;
  const model::BaseInfo& info() const override { return info_; }
  int64_t local_bytes() const override;

 private:
  struct Piece {  // one tensor of the weight inside the flat bytes
    at::ScalarType dtype;
    std::vector<int64_t> shape;
    int64_t offset = 0, nbytes = 0;
  };
  Group& group_;
  std::string name_;
  uint64_t hash_ = 0;  // of the name: the layer's id in every gather
  model::BaseInfo info_;
  std::vector<Piece> pieces_;  // dense: the weight; quantized: data, then absmax
  std::shared_ptr<const quant::QuantizedWeight> skeleton_;  // quantized: the small constants, kept whole
  at::Tensor part_;  // uint8 [chunk_]: this rank's bytes
  at::Tensor id_;    // uint8 [8]: hash_, on the weight's device
  int64_t total_ = 0, chunk_ = 0;
  at::Tensor buffer(at::Tensor* shared, int64_t n) const;
  GatherContext* context_;
};

}  // namespace llmcp::dist
