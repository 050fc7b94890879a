// The optimizer wrapper: parameter groups, clipping, and state I/O through AdamW's per-tensor
// state map (keyed by the TensorImpl address, as libtorch does).
#include "train/optimizer.h"

#include <ATen/core/grad_mode.h>
#include <torch/optim/adamw.h>

#include <cmath>

#include "core/error.h"
#include "io/safetensors.h"
#include "model/tensor_view.h"

namespace llmcp::train {
namespace {
void* state_key(const at::Tensor& t) { return t.unsafeGetTensorImpl(); }
}  // namespace

Optimizer::Optimizer(std::vector<TrainableParam> params, const AdamWSettings& s) : params_(std::move(params)) {
  LLMCP_CHECK(!params_.empty(), kInvalidArgument, "nothing to train: the model has no trainable tensors");
  std::vector<at::Tensor> decay, no_decay;
  for (const auto& p : params_) (p.tensor->dim() >= 2 ? decay : no_decay).push_back(*p.tensor);
  auto opts = torch::optim::AdamWOptions(s.lr).betas({s.beta1, s.beta2}).eps(s.eps).weight_decay(s.weight_decay);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  if (!decay.empty()) groups.emplace_back(decay, std::make_unique<torch::optim::AdamWOptions>(opts));
  auto no_wd = opts;
  no_wd.weight_decay(0);
  if (!no_decay.empty()) groups.emplace_back(no_decay, std::make_unique<torch::optim::AdamWOptions>(no_wd));
  adam_ = std::make_unique<torch::optim::AdamW>(std::move(groups), opts);
}

Optimizer::~Optimizer() = default;

void Optimizer::zero_grad() {
  for (auto& p : params_)
    if (p.tensor->grad().defined()) p.tensor->mutable_grad() = at::Tensor();
}

double Optimizer::clip_grad_norm(double max_norm) {
  std::vector<at::Tensor> norms;
  for (auto& p : params_)
    if (p.tensor->grad().defined()) {
      // At least fp32 (bf16/fp16 gradients would lose the sum), fp64 kept as torch keeps it.
      auto g = p.tensor->grad().detach();
      norms.push_back((g.scalar_type() == at::kDouble ? g : g.to(at::kFloat)).norm(2));
    }
  if (norms.empty()) return 0;
  const double total = at::stack(norms).norm(2).item<double>();
  if (max_norm > 0 && total > max_norm) {
    const double coef = max_norm / (total + 1e-6);
    for (auto& p : params_)
      if (p.tensor->grad().defined()) p.tensor->mutable_grad().mul_(coef);
  }
  return total;
}

void Optimizer::step(double lr) {
  for (auto& g : adam_->param_groups()) static_cast<torch::optim::AdamWOptions&>(g.options()).lr(lr);
  adam_->step();
}

void Optimizer::remap_state(const at::Tensor& param, const at::Tensor& source) {
  auto it = adam_->state().find(state_key(param));
  if (it == adam_->state().end()) return;  // no step taken yet: nothing to move
  auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
  at::NoGradGuard no_grad;
  auto src = source.to(param.device());
  auto remap = [&](const at::Tensor& m) {
    auto moved = m.index_select(0, src.clamp_min(0));
    return at::where(src >= 0, moved, at::zeros({1}, moved.options()));
  };
  st.exp_avg(remap(st.exp_avg()));
  st.exp_avg_sq(remap(st.exp_avg_sq()));
}

void Optimizer::save(const std::filesystem::path& file) const {
  model::NamedTensors out;
  for (const auto& p : params_) {
    auto it = adam_->state().find(state_key(*p.tensor));
    if (it == adam_->state().end()) continue;  // no step taken yet
    const auto& st = static_cast<const torch::optim::AdamWParamState&>(*it->second);
    out.emplace_back(p.key + ".exp_avg", st.exp_avg());
    out.emplace_back(p.key + ".exp_avg_sq", st.exp_avg_sq());
    out.emplace_back(p.key + ".step", at::full({1}, st.step(), at::kLong));
  }
  model::save_tensors(file, out, {{"format", "llm-mcp-adamw"}});
}

void Optimizer::load(const std::filesystem::path& file) {
  auto st = io::SafetensorsFile::open(file);
  for (const auto& p : params_) {
    const auto* avg = st->find(p.key + ".exp_avg");
    if (!avg) continue;
    auto opts = p.tensor->options().requires_grad(false);
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    auto load = [&](const std::string& suffix) {
      const auto& v = st->at(p.key + suffix);
      LLMCP_CHECK(v.shape == p.tensor->sizes().vec(), kShapeMismatch, file.string(), ": '", p.key, suffix,
                  "' has shape ", at::IntArrayRef(v.shape), " but the parameter is ", p.tensor->sizes(),
                  " (is this checkpoint from another configuration?)");
      return model::tensor_from_view(v, opts.dtype().toScalarType(), opts.device());
    };
    state->exp_avg(load(".exp_avg"));
    state->exp_avg_sq(load(".exp_avg_sq"));
    state->step(model::tensor_from_view(st->at(p.key + ".step"), at::kLong, at::kCPU).item<int64_t>());
    adam_->state()[state_key(*p.tensor)] = std::move(state);
  }
}

}  // namespace llmcp::train
