// Cache growth by doubling keeps appends amortised O(T) without re-concatenating each step.
#include "model/kv_cache.h"

#include "core/error.h"

namespace llmcp::model {

at::Tensor KvCache::begin_step(const at::Tensor& new_mask) {
  auto mask = new_mask.to(at::kLong);
  if (!seen_.defined()) seen_ = at::zeros({mask.size(0)}, mask.options());
  LLMCP_CHECK(mask.size(0) == seen_.size(0), kShapeMismatch, "batch size changed from ", seen_.size(0), " to ",
              mask.size(0), " within one KV cache");
  auto positions = (seen_.unsqueeze(1) + mask.cumsum(1) - 1).clamp_min(0);
  seen_ = seen_ + mask.sum(1);
  auto valid = mask.to(at::kBool);
  key_mask_ = key_mask_.defined() ? at::cat({key_mask_, valid}, 1) : valid;
  step_ = mask.size(1);
  return positions;
}

std::pair<at::Tensor, at::Tensor> KvCache::append(int64_t layer, const at::Tensor& k, const at::Tensor& v) {
  const int64_t T = k.size(2), need = length_ + T;
  auto& K = k_[layer];
  auto& V = v_[layer];
  if (!K.defined() || K.size(2) < need) {
    int64_t cap = std::max<int64_t>(need, K.defined() ? 2 * K.size(2) : need);
    auto grow = [&](at::Tensor& buf, const at::Tensor& like) {
      auto fresh = at::empty({like.size(0), like.size(1), cap, like.size(3)}, like.options());
      if (buf.defined() && length_ > 0) fresh.narrow(2, 0, length_).copy_(buf.narrow(2, 0, length_));
      buf = fresh;
    };
    grow(K, k);
    grow(V, v);
  }
  K.narrow(2, length_, T).copy_(k);
  V.narrow(2, length_, T).copy_(v);
  return {K.narrow(2, 0, need), V.narrow(2, 0, need)};
}

void KvCache::end_step() {
  length_ += step_;
  step_ = 0;
}

}  // namespace llmcp::model
