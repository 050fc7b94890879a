// Re-entrant recomputation (what torch.utils.checkpoint(use_reentrant=True) does): the custom
// autograd function's backward re-runs the layer under grad mode and calls backward on it, which
// accumulates parameter gradients directly and returns the input's gradient to the outer graph.
// The recomputation sees what the forward saw: the autocast state (backward usually runs after the
// autocast scope has closed) and the RNG state of the CPU and, for CUDA inputs, of the device.
#include "model/layer_checkpoint.h"

#include <ATen/core/grad_mode.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <ATen/core/Generator.h>

#include <optional>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/custom_function.h>

#include "model/decoder.h"

namespace llmcp::model {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Sets a generator to a saved state for the recomputation and puts the current state back after.
class RngReplay {
 public:
  RngReplay(at::Generator gen, const c10::IValue& saved) : gen_(std::move(gen)), current_(gen_.get_state()) {
    gen_.set_state(saved.toTensor());
  }
  ~RngReplay() { gen_.set_state(current_); }
  RngReplay(const RngReplay&) = delete;
  RngReplay& operator=(const RngReplay&) = delete;

 private:
  at::Generator gen_;
  at::Tensor current_;
};

at::Tensor mask_or_causal(const at::Tensor& m) { return m.numel() == 0 ? at::Tensor() : m; }

// The forward's autocast state (CPU and CUDA) during the recomputation, restored after.
class AutocastReplay {
 public:
  explicit AutocastReplay(AutogradContext* ctx)
      : cpu_(at::autocast::is_autocast_enabled(at::kCPU)),
        cuda_(at::autocast::is_autocast_enabled(at::kCUDA)),
        cpu_dtype_(at::autocast::get_autocast_dtype(at::kCPU)),
        cuda_dtype_(at::autocast::get_autocast_dtype(at::kCUDA)) {
    at::autocast::set_autocast_enabled(at::kCPU, ctx->saved_data["autocast_cpu"].toBool());
    at::autocast::set_autocast_dtype(at::kCPU, static_cast<at::ScalarType>(ctx->saved_data["autocast_cpu_dtype"].toInt()));
    at::autocast::set_autocast_enabled(at::kCUDA, ctx->saved_data["autocast_cuda"].toBool());
    at::autocast::set_autocast_dtype(at::kCUDA, static_cast<at::ScalarType>(ctx->saved_data["autocast_cuda_dtype"].toInt()));
  }
  ~AutocastReplay() {
    at::autocast::set_autocast_enabled(at::kCPU, cpu_);
    at::autocast::set_autocast_dtype(at::kCPU, cpu_dtype_);
    at::autocast::set_autocast_enabled(at::kCUDA, cuda_);
    at::autocast::set_autocast_dtype(at::kCUDA, cuda_dtype_);
    at::autocast::clear_cache();
  }
  AutocastReplay(const AutocastReplay&) = delete;
  AutocastReplay& operator=(const AutocastReplay&) = delete;

 private:
  bool cpu_, cuda_;
  at::ScalarType cpu_dtype_, cuda_dtype_;
};

// Outputs: the layer's output, and its router logits when routing is traced (a mixture of experts
// whose load-balancing loss needs them); the backward pass takes both gradients.
struct LayerFunction : public torch::autograd::Function<LayerFunction> {
  static variable_list forward(AutogradContext* ctx, const at::Tensor& x, const Decoder* decoder, int64_t layer,
                               const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& attn_mask,
                               RouterTrace* trace) {
    ctx->save_for_backward({x, cos, sin, attn_mask});
    ctx->saved_data["decoder"] = reinterpret_cast<int64_t>(decoder);
    ctx->saved_data["layer"] = layer;
    ctx->saved_data["traced"] = trace != nullptr;
    // Dropout inside adapters must draw the same numbers when the layer is recomputed.
    ctx->saved_data["rng"] = at::detail::getDefaultCPUGenerator().get_state();
    if (x.is_cuda()) ctx->saved_data["cuda_rng"] = at::globalContext().defaultGenerator(x.device()).get_state();
    ctx->saved_data["autocast_cpu"] = at::autocast::is_autocast_enabled(at::kCPU);
    ctx->saved_data["autocast_cpu_dtype"] = static_cast<int64_t>(at::autocast::get_autocast_dtype(at::kCPU));
    ctx->saved_data["autocast_cuda"] = at::autocast::is_autocast_enabled(at::kCUDA);
    ctx->saved_data["autocast_cuda_dtype"] = static_cast<int64_t>(at::autocast::get_autocast_dtype(at::kCUDA));
    at::NoGradGuard no_grad;
    RouterTrace local;
    auto y = decoder->layer_forward(layer, x, cos, sin, mask_or_causal(attn_mask), trace ? &local : nullptr);
    if (!trace || local.logits.empty()) return {y};
    trace->selected.push_back(local.selected.front());
    return {y, local.logits.front()};
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_out) {
    auto saved = ctx->get_saved_variables();
    const auto* decoder = reinterpret_cast<const Decoder*>(ctx->saved_data["decoder"].toInt());
    const int64_t layer = ctx->saved_data["layer"].toInt();
    auto x = saved[0].detach().requires_grad_(true);
    RouterTrace local;
    std::vector<at::Tensor> outputs;
    {
      RngReplay cpu(at::detail::getDefaultCPUGenerator(), ctx->saved_data["rng"]);
      std::optional<RngReplay> cuda;
      if (ctx->saved_data.count("cuda_rng"))
        cuda.emplace(at::globalContext().defaultGenerator(x.device()), ctx->saved_data["cuda_rng"]);
      AutocastReplay autocast(ctx);
      at::AutoGradMode grad(true);
      outputs.push_back(decoder->layer_forward(layer, x, saved[1], saved[2], mask_or_causal(saved[3]),
                                               ctx->saved_data["traced"].toBool() ? &local : nullptr));
    }
    std::vector<at::Tensor> grads = {grad_out[0]};
    if (grad_out.size() > 1 && grad_out[1].defined() && !local.logits.empty()) {
      outputs.push_back(local.logits.front());
      grads.push_back(grad_out[1]);
    }
    torch::autograd::backward(outputs, grads);
    return {x.grad(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor checkpointed_layer(const Decoder& decoder, int64_t layer, const at::Tensor& x, const at::Tensor& cos,
                              const at::Tensor& sin, const at::Tensor& attn_mask, RouterTrace* trace) {
  // Without an input that requires grad the function would be cut from the graph (the
  // embedding is usually frozen): give it one, as HF's enable_input_require_grads does.
  auto in = x.requires_grad() ? x : x.detach().requires_grad_(true);
  // Plain causal attention has no mask (undefined); a custom function's tensor arguments must be
  // defined, so it travels as an empty tensor (mask_or_causal turns it back).
  const auto mask = attn_mask.defined() ? attn_mask : at::empty({0}, x.options().dtype(at::kBool));
  auto out = LayerFunction::apply(in, &decoder, layer, cos, sin, mask, trace);
  if (out.size() > 1) trace->logits.push_back(out[1]);
  return out[0];
}

}  // namespace llmcp::model
