// Paged KV storage and a step's attention; see paged_kv.h.
#include "serve/paged_kv.h"

#include "core/error.h"
#include "model/layers.h"

namespace llmcp::serve {

PagedKv::PagedKv(const model::DecoderConfig& c, int64_t num_blocks, int64_t block_size, at::ScalarType dtype,
                 at::Device device)
    : num_blocks_(num_blocks), block_size_(block_size), device_(device) {
  const auto opts = at::TensorOptions().dtype(dtype).device(device);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    k_.push_back(at::empty({num_blocks * block_size, c.num_kv_heads, c.head_dim}, opts));
    v_.push_back(at::empty({num_blocks * block_size, c.num_kv_heads, c.head_dim}, opts));
  }
}

int64_t PagedKv::block_bytes(const model::DecoderConfig& c, int64_t block_size, at::ScalarType dtype) {
  return 2 * c.num_layers * block_size * c.num_kv_heads * c.head_dim * static_cast<int64_t>(c10::elementSize(dtype));
}

PagedStep::PagedStep(PagedKv& kv, const StepPlan& plan, std::optional<int64_t> sliding_window) : kv_(kv) {
  const int64_t B = kv.block_size();
  std::vector<int64_t> ids, positions, rows, new_slots;
  auto slot = [&](const Sequence& s, int64_t t) { return s.blocks[static_cast<size_t>(t / B)] * B + t % B; };
  const auto long_opts = at::TensorOptions().dtype(at::kLong);
  for (size_t i = 0; i < plan.items.size(); ++i) {
    const auto& it = plan.items[i];
    const Sequence& s = *it.seq;
    Item item;
    item.offset = static_cast<int64_t>(ids.size());
    item.count = it.count;
    const int64_t S = it.start + it.count;
    std::vector<int64_t> context(static_cast<size_t>(S));
    for (int64_t t = 0; t < S; ++t) context[static_cast<size_t>(t)] = slot(s, t);
    for (int64_t t = it.start; t < S; ++t) {
      ids.push_back(s.tokens[static_cast<size_t>(t)]);
      positions.push_back(t);
      new_slots.push_back(context[static_cast<size_t>(t)]);
    }
    item.context = at::tensor(context, long_opts).to(kv.device());
    if (sliding_window && S > *sliding_window) {
      auto valid = at::ones({1, S}, at::TensorOptions().dtype(at::kBool).device(kv.device()));
      item.mask = model::build_attention_mask(valid, it.start, it.count, sliding_window);
    }
    if (it.samples) {
      rows.push_back(item.offset + it.count - 1);
      sampled_.push_back(i);
    }
    items_.push_back(std::move(item));
  }
  ids_ = at::tensor(ids, long_opts).to(kv.device());
  positions_ = at::tensor(positions, long_opts).to(kv.device());
  rows_ = at::tensor(rows, long_opts).to(kv.device());
  new_slots_ = at::tensor(new_slots, long_opts).to(kv.device());
}

at::Tensor PagedStep::attend(int64_t layer, const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
  auto& K = kv_.keys(layer);
  auto& V = kv_.values(layer);
  K.index_copy_(0, new_slots_, k.to(K.scalar_type()));
  V.index_copy_(0, new_slots_, v.to(V.scalar_type()));
  std::vector<at::Tensor> out;
  out.reserve(items_.size());
  for (const auto& item : items_) {
    auto qi = q.narrow(0, item.offset, item.count).transpose(0, 1).unsqueeze(0);  // [1,H,T,D]
    auto ki = K.index_select(0, item.context).transpose(0, 1).unsqueeze(0).to(q.scalar_type());  // [1,K,S,D]
    auto vi = V.index_select(0, item.context).transpose(0, 1).unsqueeze(0).to(q.scalar_type());
    out.push_back(model::attention(qi, ki, vi, item.mask)[0].transpose(0, 1));  // [T,H,D]
  }
  return out.size() == 1 ? out.front() : at::cat(out, 0);
}

}  // namespace llmcp::serve
