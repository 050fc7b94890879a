// LoRA's torch half: A and B initialised as PEFT's init_lora_weights does (DoRA: the magnitude
// starts at the row norms of W0 + s B A, so the output is unchanged), and a LoraDelta from a
// module's lora_A / lora_B (/ lora_magnitude_vector) with their shapes checked against the base.
#include <ATen/ATen.h>

#include <cmath>

#include "core/error.h"
#include "peft/lora/lora_delta.h"
#include "peft/method_runtime.h"

namespace llmcp::peft::lora {
namespace {

class LoraRuntime : public MethodRuntime {
 public:
  std::map<std::string, at::Tensor> init(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                         at::Generator& gen) const override {
    const int64_t out = base.out_features(), in = base.in_features(), r = t.rank;
    auto bound = [](int64_t fan_in) { return 1.0 / std::sqrt(static_cast<double>(fan_in)); };
    at::Tensor A = at::empty({r, in}, at::kFloat), B = at::zeros({out, r}, at::kFloat);
    switch (c.init) {
      case LoraInit::kDefault: A.uniform_(-bound(in), bound(in), gen); break;
      case LoraInit::kGaussian: A.normal_(0.0, 1.0 / static_cast<double>(r), gen); break;
      case LoraInit::kNone:  // nn.Linear's own initialisation for both (B is not zero)
        A.uniform_(-bound(in), bound(in), gen);
        B.uniform_(-bound(r), bound(r), gen);
        break;
    }
    std::map<std::string, at::Tensor> tensors{{".lora_A.weight", A}, {".lora_B.weight", B}};
    if (c.use_dora) {
      auto w = base.dense_weight(at::kFloat).to(at::kCPU) + c.scaling(r, t.alpha) * at::matmul(B, A);
      tensors[".lora_magnitude_vector"] = w.norm(2, {1});
    }
    return tensors;
  }

  std::shared_ptr<AdapterDelta> load(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                     ModuleTensors& tensors) const override {
    const int64_t out = base.out_features(), in = base.in_features();
    auto A = tensors.take(".lora_A.weight");
    auto B = tensors.take(".lora_B.weight");
    LLMCP_CHECK(A.size(0) == t.rank && A.size(1) == in, kShapeMismatch, tensors.source(), ": lora_A of ", t.module,
                " has shape ", A.sizes(), " but rank ", t.rank, " on this base needs [", t.rank, ", ", in, "]",
                tensors.hint());
    LLMCP_CHECK(B.size(0) == out && B.size(1) == t.rank, kShapeMismatch, tensors.source(), ": lora_B of ", t.module,
                " has shape ", B.sizes(), " but this base needs [", out, ", ", t.rank, "]", tensors.hint());
    at::Tensor m;
    if (c.use_dora) {
      m = tensors.take(".lora_magnitude_vector");
      LLMCP_CHECK(m.dim() == 1 && m.size(0) == out, kShapeMismatch, tensors.source(), ": lora_magnitude_vector of ",
                  t.module, " has shape ", m.sizes(), " but this base needs [", out, "]", tensors.hint());
    }
    return std::make_shared<LoraDelta>(A, B, m, c.scaling(t.rank, t.alpha), c.lora_dropout);
  }
};

}  // namespace

std::unique_ptr<MethodRuntime> runtime() { return std::make_unique<LoraRuntime>(); }

}  // namespace llmcp::peft::lora
