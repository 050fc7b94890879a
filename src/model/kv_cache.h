// Key/value cache for incremental decoding: per layer K and V [B,K,S,D] with spare capacity,
// plus which slots hold real tokens (left padding) and how many real tokens each row has seen.
#pragma once

#include <ATen/ATen.h>

#include <vector>

namespace llmcp::model {

class KvCache {
 public:
  explicit KvCache(int64_t num_layers) : k_(num_layers), v_(num_layers) {}

  int64_t length() const { return length_; }  // slots filled so far (S)
  // Registers the new step's token mask [B,T] (1 = real token) and returns its positions [B,T]
  // (count of earlier real tokens in the row; 0 for padding). Call once per forward, before layers.
  at::Tensor begin_step(const at::Tensor& new_mask);
  // Appends layer `i`'s new keys/values [B,K,T,D]; returns all keys/values so far [B,K,S,D].
  std::pair<at::Tensor, at::Tensor> append(int64_t layer, const at::Tensor& k, const at::Tensor& v);
  // Call after all layers of a step: advances length by T.
  void end_step();
  // [B,S] bool of real-token slots, valid between begin_step and end_step (S includes the new step).
  const at::Tensor& key_mask() const { return key_mask_; }

 private:
  std::vector<at::Tensor> k_, v_;  // [B,K,capacity,D]
  at::Tensor key_mask_;            // [B,S]
  at::Tensor seen_;                // [B] int64
  int64_t length_ = 0, step_ = 0;
};

}  // namespace llmcp::model
