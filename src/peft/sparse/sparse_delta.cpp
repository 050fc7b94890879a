// The sparse delta's products, its autograd node and RigL's drop-and-grow step. The node keeps
// the input transposed to [in, tokens] (fp32), so forward, the values' gradient and the input's
// gradient are all loops over contiguous token rows (sparse_kernels.h).
#include "peft/sparse/sparse_delta.h"

#include <ATen/core/grad_mode.h>
#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>

#include "core/error.h"
#include "peft/sparse/sparse_kernels.h"

namespace llmcp::peft {

struct DenseGradientSink {
  std::mutex mutex;
  bool on = false;
  at::Tensor sum;  // fp32 [out, in]
  void add(const at::Tensor& g) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!sum.defined()) sum = at::zeros(g.sizes(), g.options().dtype(at::kFloat));
    sum.add_(g);
  }
};

// The mask in the forms the kernels read (CPU tensors), rebuilt when the indices change.
struct SparseDelta::Structure {
  at::Tensor indices;                           // [k] sorted flat positions
  at::Tensor row_ptr, col;                      // CSR of D: [out + 1], [k]
  at::Tensor col_ptr, col_rows, col_slots;      // CSR of D^T: [in + 1], [k] rows, [k] slots into values
  at::Tensor rows;                              // structured: the active rows [r]
  bool structured = false;
  std::shared_ptr<DenseGradientSink> sink;
  int64_t out = 0, in = 0;
};

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

at::Tensor offsets(const at::Tensor& keys, int64_t n) {
  auto ptr = at::zeros({n + 1}, at::kLong);
  ptr.slice(0, 1).copy_(at::bincount(keys, {}, n).cumsum(0));
  return ptr;
}

struct Holder : torch::CustomClassHolder {
  explicit Holder(std::shared_ptr<const SparseDelta::Structure> s) : s(std::move(s)) {}
  std::shared_ptr<const SparseDelta::Structure> s;
};

// x2 [N, in] (any float dtype), v [k] fp32 -> y [N, out] fp32, and what backward needs of x
// (structured: x fp32 [N, in]; else x^T fp32 [in, N]).
std::pair<at::Tensor, at::Tensor> forward_impl(const SparseDelta::Structure& s, const at::Tensor& x2,
                                               const at::Tensor& v) {
  c10::impl::ExcludeDispatchKeyGuard no_autocast(c10::DispatchKey::AutocastCPU);  // fp32 whatever autocast says
  if (s.structured) {
    auto xs = x2.detach().to(at::kFloat).contiguous();
    auto yr = at::mm(xs, v.view({-1, s.in}).t());
    return {at::zeros({x2.size(0), s.out}, xs.options()).index_copy_(1, s.rows, yr), xs};
  }
  auto xs = x2.detach().to(at::kFloat).t().contiguous();
  const int64_t N = x2.size(0);
  auto yT = at::empty({s.out, N}, xs.options());
  csr_times_dense(s.out, s.row_ptr.data_ptr<int64_t>(), s.col.data_ptr<int64_t>(), v.data_ptr<float>(),
                  xs.data_ptr<float>(), N, yT.data_ptr<float>());
  return {yT.t(), xs};
}

}  // namespace

class SparseFn : public torch::autograd::Function<SparseFn> {
 public:
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x2, const at::Tensor& values,
                            const c10::intrusive_ptr<Holder>& holder) {
    auto v = values.detach().to(at::kFloat).contiguous();
    auto [y, saved] = forward_impl(*holder->s, x2, v);
    ctx->save_for_backward({saved, v});
    ctx->saved_data["s"] = at::IValue::make_capsule(holder);
    ctx->saved_data["dtype"] = static_cast<int64_t>(x2.scalar_type());
    return y;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto holder = c10::static_intrusive_pointer_cast<Holder>(ctx->saved_data["s"].toCapsule());
    const auto& s = *holder->s;
    const auto dtype = static_cast<at::ScalarType>(ctx->saved_data["dtype"].toInt());
    auto saved = ctx->get_saved_variables();
    const auto& xs = saved[0];
    const auto& v = saved[1];
    auto gy = grads[0].to(at::kFloat);
    at::Tensor gx, gv;
    if (s.structured) {
      auto gyr = gy.index_select(1, s.rows);  // [N, r]
      gv = at::mm(gyr.t(), xs).reshape({-1});
      if (ctx->needs_input_grad(0)) gx = at::mm(gyr, v.view({-1, s.in})).to(dtype);
      if (s.sink->on) s.sink->add(at::mm(gy.t(), xs));
    } else {
      auto gyT = gy.t().contiguous();  // [out, N]
      const int64_t N = gyT.size(1), k = v.numel();
      gv = at::empty({k}, v.options());
      sampled_dots(k, s.indices.data_ptr<int64_t>(), s.in, gyT.data_ptr<float>(), xs.data_ptr<float>(), N,
                   gv.data_ptr<float>());
      if (ctx->needs_input_grad(0)) {
        auto vt = v.index_select(0, s.col_slots).contiguous();
        auto gxT = at::empty({s.in, N}, gyT.options());
        csr_times_dense(s.in, s.col_ptr.data_ptr<int64_t>(), s.col_rows.data_ptr<int64_t>(), vt.data_ptr<float>(),
                        gyT.data_ptr<float>(), N, gxT.data_ptr<float>());
        gx = gxT.t().contiguous().to(dtype);  // row-major like every other input gradient
      }
      if (s.sink->on) s.sink->add(at::mm(gyT, xs.t()));
    }
    return {gx, gv, at::Tensor()};
  }
};

SparseDelta::SparseDelta(int64_t out, int64_t in, const at::Tensor& indices, const at::Tensor& values, bool structured,
                         const std::string& what)
    : out_(out), in_(in), structured_(structured), what_(what), sink_(std::make_shared<DenseGradientSink>()) {
  LLMCP_CHECK(indices.dim() == 1 && values.dim() == 1 && indices.numel() == values.numel() && indices.numel() > 0,
              kShapeMismatch, what_, ": sparse_indices ", indices.sizes(), " and sparse_values ", values.sizes(),
              " must be two vectors of the same non-zero length");
  LLMCP_CHECK(!at::isFloatingType(indices.scalar_type()) && indices.scalar_type() != at::kBool, kMalformedFile, what_,
              ": sparse_indices must be integers, found ", indices.scalar_type());
  at::NoGradGuard no_grad;
  auto idx = indices.to(at::kCPU, at::kLong).contiguous();
  const int64_t n = out_ * in_;
  LLMCP_CHECK(idx.min().item<int64_t>() >= 0 && idx.max().item<int64_t>() < n, kShapeMismatch, what_,
              ": sparse_indices must lie in [0, ", n, ") for a [", out_, ", ", in_, "] weight; found ",
              idx.min().item<int64_t>(), "..", idx.max().item<int64_t>(), " (does the adapter belong to this base?)");
  auto [sorted, order] = idx.sort(c10::optional<bool>(true), 0);
  LLMCP_CHECK(sorted.numel() < 2 || (sorted.slice(0, 1) != sorted.slice(0, 0, -1)).all().item<bool>(), kMalformedFile,
              what_, ": sparse_indices holds a position twice");
  if (structured_) {
    const int64_t k = sorted.numel();
    LLMCP_CHECK(k % in_ == 0, kMalformedFile, what_, ": a structured delta holds whole rows of ", in_,
                " entries, but it has ", k);
    auto rows = sorted.view({k / in_, in_});
    auto expect = rows.select(1, 0).unsqueeze(1) + at::arange(in_, at::kLong).unsqueeze(0);
    LLMCP_CHECK(rows.select(1, 0).remainder(in_).eq(0).all().item<bool>() && at::equal(rows, expect), kMalformedFile,
                what_, ": a structured delta's sparse_indices must cover whole rows");
  }
  const bool was_sorted = at::equal(order, at::arange(order.numel(), at::kLong));
  auto v = values.to(at::kFloat);
  if (!was_sorted) v = v.index_select(0, order.to(v.device()));
  indices_ = sorted.to(values.device());
  // The caller's tensor itself when it can be (a leaf that may require grad), else a sorted fp32 copy.
  values_ = was_sorted && values.scalar_type() == at::kFloat ? values
                                                              : v.detach().clone().requires_grad_(values.requires_grad());
}

SparseDelta::~SparseDelta() = default;

at::Tensor SparseDelta::random_indices(int64_t out, int64_t in, const SparseConfig& c, at::Generator gen) {
  const int64_t k = c.trainable_entries(out, in);
  if (c.sparsity_type == SparsityType::kStructured) {
    auto rows = std::get<0>(at::randperm(out, gen, at::kLong).slice(0, 0, k / in).sort());
    return (rows.unsqueeze(1) * in + at::arange(in, at::kLong).unsqueeze(0)).reshape({-1});
  }
  return std::get<0>(at::randperm(out * in, gen, at::kLong).slice(0, 0, k).sort());
}

std::shared_ptr<SparseDelta> SparseDelta::random(int64_t out, int64_t in, const SparseConfig& c, at::Generator gen,
                                                 at::Device device, const std::string& what) {
  auto idx = random_indices(out, in, c, std::move(gen));
  auto values = at::zeros({idx.numel()}, at::TensorOptions(at::kFloat).device(device)).requires_grad_(true);
  return std::make_shared<SparseDelta>(out, in, idx, values, c.sparsity_type == SparsityType::kStructured, what);
}

std::shared_ptr<const SparseDelta::Structure> SparseDelta::structure() const {
  const int64_t version = static_cast<int64_t>(indices_._version());
  if (structure_ && structure_version_ == version && structure_->indices.is_same(indices_)) return structure_;
  auto s = std::make_shared<Structure>();
  s->indices = indices_;
  s->out = out_;
  s->in = in_;
  s->structured = structured_;
  s->sink = sink_;
  if (structured_) {
    s->rows = indices_.view({-1, in_}).select(1, 0).div(in_, "floor").contiguous();
  } else {
    auto rows = indices_.div(in_, "floor");
    s->col = indices_.remainder(in_).contiguous();
    s->row_ptr = offsets(rows, out_);
    auto [sorted_cols, slots] = s->col.sort(c10::optional<bool>(true), 0);
    s->col_slots = slots;
    s->col_rows = rows.index_select(0, slots).contiguous();
    s->col_ptr = offsets(s->col, in_);
  }
  structure_ = s;
  structure_version_ = version;
  return s;
}

at::Tensor SparseDelta::delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const {
  (void)base;
  LLMCP_CHECK(x.size(-1) == in_, kShapeMismatch, what_, ": input has ", x.size(-1), " features, the delta ", in_);
  if (!x.device().is_cpu()) return delta_reference(x).to(base_out.scalar_type());
  auto shape = x.sizes().vec();
  shape.back() = out_;
  auto x2 = x.reshape({-1, in_});
  auto holder = c10::make_intrusive<Holder>(structure());
  at::Tensor y2;
  if (x2.requires_grad() || values_.requires_grad()) {
    y2 = SparseFn::apply(x2, values_, holder);
  } else {
    at::NoGradGuard no_grad;
    y2 = forward_impl(*holder->s, x2, values_.to(at::kFloat).contiguous()).first;
  }
  // Row-major like the base output: a transposed sum would make the next layer's input strided,
  // which sends bf16 matmuls to ATen's slow generic kernel.
  return y2.to(base_out.scalar_type()).contiguous().view(shape);
}

at::Tensor SparseDelta::delta_reference(const at::Tensor& x) const {
  auto d = at::zeros({out_ * in_}, values_.options().dtype(at::kFloat)).index_put({indices_}, values_.to(at::kFloat));
  d = d.view({out_, in_});
  if (sink_->on && d.requires_grad()) {
    auto sink = sink_;
    d.register_hook([sink](const at::Tensor& g) { sink->add(g); });
  }
  return at::matmul(x.to(at::kFloat), d.t());
}

at::Tensor SparseDelta::dense() const {
  at::NoGradGuard no_grad;
  return at::zeros({out_ * in_}, values_.options().dtype(at::kFloat)).index_put_({indices_}, values_.to(at::kFloat)).view({out_, in_});
}

void SparseDelta::merge_into(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  weight.view({-1}).index_add_(0, indices_.to(weight.device()), values_.to(weight.device(), weight.scalar_type()));
}

void SparseDelta::unmerge_from(at::Tensor& weight) {
  at::NoGradGuard no_grad;
  weight.view({-1}).index_add_(0, indices_.to(weight.device()), values_.to(weight.device(), weight.scalar_type()), -1);
}

void SparseDelta::collect_dense_gradient(bool on) {
  std::lock_guard<std::mutex> lock(sink_->mutex);
  sink_->on = on;
}

at::Tensor SparseDelta::dense_gradient() const {
  std::lock_guard<std::mutex> lock(sink_->mutex);
  return sink_->sum;
}

at::Tensor SparseDelta::dense_gradient_sink() {
  std::lock_guard<std::mutex> lock(sink_->mutex);
  if (!sink_->sum.defined()) sink_->sum = at::zeros({out_, in_}, values_.options().dtype(at::kFloat));
  return sink_->sum;
}

SparseDelta::MaskChange SparseDelta::update_mask(int64_t n) {
  at::NoGradGuard no_grad;
  const int64_t k = indices_.numel(), unit = structured_ ? in_ : 1, units = active_units();
  n = std::clamp<int64_t>(n, 0, std::min(units, all_units() - units));
  auto grad = dense_gradient();
  MaskChange change;
  change.source = at::arange(k, at::kLong);
  if (n > 0) {
    LLMCP_CHECK(grad.defined(), kInternal, what_, ": a mask update needs the dense gradient; collect it first");
    auto idx = indices_.to(at::kCPU);
    auto v = values_.detach().to(at::kCPU, at::kFloat);
    // Scores per unit: |value| (row norm) of the active ones, |gradient| (row norm) of every position.
    at::Tensor active_pos, drop_score, grow_score;
    if (structured_) {
      active_pos = idx.view({units, in_}).select(1, 0).div(in_, "floor");
      drop_score = v.view({units, in_}).norm(2, {1});
      grow_score = grad.to(at::kCPU).norm(2, {1});
    } else {
      active_pos = idx;
      drop_score = v.abs();
      grow_score = grad.to(at::kCPU).abs().reshape({-1}).clone();
    }
    // Stable sort: among equal scores the lower position (slot) is dropped first.
    auto dropped = std::get<1>(drop_score.sort(c10::optional<bool>(true), 0, /*descending=*/false)).slice(0, 0, n);
    grow_score.index_fill_(0, active_pos, -1.0f);  // only inactive positions can grow
    auto grown = std::get<1>(grow_score.topk(n));
    auto keep = at::ones({units}, at::kBool).index_fill_(0, dropped, false);
    auto kept_slots = at::arange(units, at::kLong).masked_select(keep);
    auto new_pos = at::cat({active_pos.masked_select(keep), grown});
    auto source = at::cat({kept_slots, at::full({n}, -1, at::kLong)});
    auto [sorted_pos, order] = new_pos.sort();
    source = source.index_select(0, order);
    at::Tensor new_idx;
    if (structured_) {
      auto cols = at::arange(in_, at::kLong).unsqueeze(0);
      new_idx = (sorted_pos.unsqueeze(1) * in_ + cols).reshape({-1});
      source = at::where(source.unsqueeze(1) >= 0, source.unsqueeze(1) * in_ + cols, at::full({1}, -1, at::kLong)).reshape({-1});
    } else {
      new_idx = sorted_pos;
    }
    auto new_v = at::where(source >= 0, v.index_select(0, source.clamp_min(0)), at::zeros({1}, at::kFloat));
    indices_.copy_(new_idx);
    values_.detach().copy_(new_v);
    change.source = source;
    change.swapped = n * unit;
  }
  std::lock_guard<std::mutex> lock(sink_->mutex);
  sink_->sum = at::Tensor();
  sink_->on = false;
  return change;
}

}  // namespace llmcp::peft
