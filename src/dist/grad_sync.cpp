// GradSync; see grad_sync.h.
#include "dist/grad_sync.h"

#include <ATen/ATen.h>

#include <chrono>
#include <mutex>

#include "core/error.h"

namespace llmcp::dist {

struct GradSync::Impl {
  struct Bucket {
    std::vector<size_t> params;  // indices into `params`
    std::vector<int64_t> offsets;
    at::Tensor flat;             // the bucket's gradients, one dtype
    int64_t arrived = 0;
    std::unique_ptr<Pending> pending;
  };
  Group& group;
  std::vector<at::Tensor> params;
  std::vector<size_t> bucket_of, slot_of;  // per parameter
  std::vector<Bucket> buckets;
  std::vector<bool> got;  // per parameter, this step
  size_t next = 0;        // the next bucket to launch (in order)
  bool armed = false;
  SyncStats stats;
  std::mutex mu;  // hooks may run on autograd's device threads

  Impl(Group& g, std::vector<at::Tensor> p) : group(g), params(std::move(p)) {}

  void write(size_t i, const at::Tensor& grad) {
    Bucket& b = buckets[bucket_of[i]];
    const auto& p = params[i];
    auto slot = b.flat.narrow(0, b.offsets[slot_of[i]], p.numel()).view(p.sizes());
    slot.copy_(grad);
  }

  void launch_ready() {  // mu held
    while (next < buckets.size() && buckets[next].arrived == static_cast<int64_t>(buckets[next].params.size())) {
      Bucket& b = buckets[next++];
      b.pending = group.all_reduce_sum_async(b.flat);
      stats.bytes += static_cast<int64_t>(b.flat.nbytes());
      ++stats.buckets;
    }
  }

  void on_grad(size_t i, const at::Tensor& grad) {
    std::lock_guard lock(mu);
    if (!armed || got[i]) return;
    got[i] = true;
    // The gradient accumulated by earlier micro-batches, plus this backward's.
    const auto prior = params[i].grad();
    write(i, prior.defined() ? prior + grad : grad);
    ++buckets[bucket_of[i]].arrived;
    launch_ready();
    stats.launched_in_backward = stats.buckets;
  }
};

GradSync::GradSync(Group& group, std::vector<at::Tensor> params, int64_t bucket_bytes, int64_t first_bucket_bytes)
    : impl_(std::make_unique<Impl>(group, std::move(params))) {
  auto& im = *impl_;
  const size_t n = im.params.size();
  im.bucket_of.assign(n, 0);
  im.slot_of.assign(n, 0);
  im.got.assign(n, false);
  // Reverse order: backward reaches the last layers first.
  int64_t cap = first_bucket_bytes, size = 0;
  for (size_t k = n; k-- > 0;) {
    const auto& p = im.params[k];
    LLMCP_CHECK(p.requires_grad(), kInternal, "GradSync: a parameter that does not require grad");
    const bool fits = !im.buckets.empty() && size + static_cast<int64_t>(p.nbytes()) <= cap &&
                      im.buckets.back().flat.scalar_type() == p.scalar_type();
    if (!fits) {
      if (!im.buckets.empty()) cap = bucket_bytes;
      im.buckets.emplace_back();
      im.buckets.back().flat = at::empty({0}, p.options().requires_grad(false));  // sized below, once
      size = 0;
    }
    auto& b = im.buckets.back();
    im.bucket_of[k] = im.buckets.size() - 1;
    im.slot_of[k] = b.params.size();
    b.offsets.push_back(size / static_cast<int64_t>(p.element_size()));
    b.params.push_back(k);
    size += static_cast<int64_t>(p.nbytes());
  }
  for (auto& b : im.buckets) {
    const auto& last = im.params[b.params.back()];
    b.flat = at::empty({b.offsets.back() + last.numel()}, b.flat.options());
  }
  for (size_t k = 0; k < n; ++k) {
    auto* self = impl_.get();
    im.params[k].register_hook([self, k](const at::Tensor& grad) { self->on_grad(k, grad); });
  }
}

GradSync::~GradSync() = default;

void GradSync::arm() {
  std::lock_guard lock(impl_->mu);
  auto& im = *impl_;
  im.armed = true;
  im.next = 0;
  im.stats = {};
  std::fill(im.got.begin(), im.got.end(), false);
  for (auto& b : im.buckets) {
    b.arrived = 0;
    b.pending.reset();
  }
}

SyncStats GradSync::finish() {
  auto& im = *impl_;
  {
    std::lock_guard lock(im.mu);
    LLMCP_CHECK(im.armed, kInternal, "GradSync::finish without arm");
    // Parameters backward gave no gradient this step: what they have so far (zero if none).
    for (size_t i = 0; i < im.params.size(); ++i) {
      if (im.got[i]) continue;
      const auto prior = im.params[i].grad();
      im.write(i, prior.defined() ? prior : at::zeros_like(im.params[i]));
      im.got[i] = true;
      ++im.buckets[im.bucket_of[i]].arrived;
    }
    im.launch_ready();
    im.armed = false;
  }
  const auto start = std::chrono::steady_clock::now();
  for (auto& b : im.buckets) b.pending->wait();
  im.stats.wait_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (size_t i = 0; i < im.params.size(); ++i) {
    auto& p = im.params[i];
    const Impl::Bucket& b = im.buckets[im.bucket_of[i]];
    auto sum = b.flat.narrow(0, b.offsets[im.slot_of[i]], p.numel()).view(p.sizes());
    if (p.grad().defined()) {
      p.mutable_grad().copy_(sum);
    } else {
      p.mutable_grad() = sum.clone();
    }
  }
  return im.stats;
}

}  // namespace llmcp::dist
