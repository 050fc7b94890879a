// ShardedWeight; see sharded_weight.h.
#include "dist/sharded_weight.h"

#include <ATen/ATen.h>

#include <chrono>
#include <cstring>

#include "core/error.h"

namespace llmcp::dist {
namespace {

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

int64_t aligned(int64_t n) { return (n + 7) / 8 * 8; }  // each piece starts 8-byte aligned

at::Tensor bytes_of(const at::Tensor& t) { return t.contiguous().view(-1).view(at::kByte); }

}  // namespace

// `n` bytes on the weight's device: the shared buffer when no one else holds it (its storage has
// no other user: the last whole weight is gone) and it is large enough, else a new one kept there.
at::Tensor ShardedWeight::buffer(at::Tensor* shared, int64_t n) const {
  const auto opts = at::TensorOptions().dtype(at::kByte).device(info_.device);
  if (!shared) return at::empty({n}, opts);
  if (!shared->defined() || shared->numel() < n || shared->storage().use_count() > 1 ||
      shared->device() != info_.device)
    *shared = at::empty({n}, opts);
  return shared->narrow(0, 0, n);
}

ShardedWeight::ShardedWeight(Group& group, std::string name, const model::WholeBase& whole, GatherContext* context)
    : group_(group), name_(std::move(name)), hash_(fnv1a(name_)), context_(context) {
  std::vector<at::Tensor> tensors;
  if (whole.qweight) {
    const auto& q = *whole.qweight;
    info_ = {q.out, q.in, q.compute_dtype, q.device(), true};
    auto skeleton = std::make_shared<quant::QuantizedWeight>(q);
    skeleton->data = at::Tensor();
    skeleton->absmax = at::Tensor();
    skeleton_ = std::move(skeleton);
    tensors = {q.data, q.absmax};
  } else {
    LLMCP_CHECK(whole.weight.defined() && whole.weight.dim() == 2, kInternal, "sharding '", name_,
                "': no 2-d weight");
    info_ = {whole.weight.size(0), whole.weight.size(1), whole.weight.scalar_type(), whole.weight.device(), false};
    tensors = {whole.weight};
  }
  for (const auto& t : tensors) {
    const int64_t n = t.numel() * static_cast<int64_t>(t.element_size());
    pieces_.push_back({t.scalar_type(), t.sizes().vec(), total_, n});
    total_ += aligned(n);
  }
  const int64_t world = group_.world(), rank = group_.rank();
  chunk_ = aligned((total_ + world - 1) / world);
  part_ = at::zeros({chunk_}, at::TensorOptions().dtype(at::kByte).device(info_.device));
  // Copy the pieces' bytes that fall in [rank * chunk, (rank + 1) * chunk).
  const int64_t lo = rank * chunk_, hi = lo + chunk_;
  for (size_t i = 0; i < pieces_.size(); ++i) {
    const auto& p = pieces_[i];
    const int64_t a = std::max(lo, p.offset), b = std::min(hi, p.offset + p.nbytes);
    if (a >= b) continue;
    part_.narrow(0, a - lo, b - a).copy_(bytes_of(tensors[i]).narrow(0, a - p.offset, b - a));
  }
  auto id = at::empty({8}, at::kByte);
  std::memcpy(id.data_ptr<uint8_t>(), &hash_, 8);
  id_ = id.to(info_.device);
}

int64_t ShardedWeight::local_bytes() const {
  int64_t n = part_.numel() + id_.numel();
  if (skeleton_) {
    for (const auto* t : {&skeleton_->code, &skeleton_->nested_absmax, &skeleton_->nested_code})
      if (t->defined()) n += t->numel() * static_cast<int64_t>(t->element_size());
  }
  return n;
}

model::WholeBase ShardedWeight::gather() const {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t world = group_.world();
  // First the layer's id from every rank (8 bytes each), so ranks that diverged stop here.
  auto ids = at::empty({world * 8}, id_.options());
  group_.all_gather_into(ids, id_);
  ids = ids.to(at::kCPU).contiguous();
  for (int64_t r = 0; r < world; ++r)
    LLMCP_CHECK(std::memcmp(ids.data_ptr<uint8_t>() + r * 8, &hash_, 8) == 0, kInternal, "rank ", group_.rank(),
                " gathered the base weight of '", name_, "' while rank ", r,
                " gathered another layer: the ranks' passes diverged");
  // Then the parts, straight into one buffer: the whole weight is the only copy.
  auto flat = buffer(context_ ? &context_->whole : nullptr, world * chunk_);
  group_.all_gather_into(flat, part_);
  std::vector<at::Tensor> out;
  for (const auto& p : pieces_) out.push_back(flat.narrow(0, p.offset, p.nbytes).view(p.dtype).view(p.shape));
  if (context_) {
    context_->bytes += (world - 1) * (chunk_ + 8);
    context_->calls += 1;
    context_->micros +=
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  }
  if (!skeleton_) return {out[0], {}};
  auto q = std::make_shared<quant::QuantizedWeight>(*skeleton_);
  q->data = out[0];
  q->absmax = out[1];
  return {{}, std::move(q)};
}

}  // namespace llmcp::dist
