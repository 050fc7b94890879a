// The toy gate method's two halves: keys and planner costs (torch-free), tensors and delta (torch).
#include "gate_method.h"

#include <ATen/ATen.h>

#include "core/error.h"

namespace llmcp::toy_gate {
namespace {

using nlohmann::json;

class Gate : public peft::PeftMethod {
 public:
  std::string name() const override { return "gate"; }
  std::string peft_type() const override { return "GATE"; }
  std::string help() const override { return "a trainable gate per output feature: y = (1 + g) W x"; }
  std::vector<peft::MethodKey> keys() const override {
    return {{"gate_init", "number", "each gate's starting value (0: the base model unchanged)"}};
  }
  json read_options(const json& j, const std::string& source) const override {
    const json v = j.value("gate_init", json(0.0));
    LLMCP_CHECK(v.is_number(), kInvalidArgument, source, ": gate_init must be a number, got ", v.dump());
    return {{"gate_init", v.get<double>()}};
  }
  peft::ModuleCost module_cost(const peft::LoraConfig&, int64_t, int64_t out, int64_t) const override {
    return {.trainable = out, .largest_tensor = out};
  }
  peft::Kept kept_for_backward(const peft::LoraConfig&, const peft::KeptInput& k) const override {
    return {{k.rows * k.out * 4}, false};  // W x, for the gate's gradient
  }
};

class GateDelta : public peft::AdapterDelta {
 public:
  explicit GateDelta(at::Tensor g) : g_(std::move(g)) {}
  at::Tensor delta(const model::Linear& base, const at::Tensor& x, const at::Tensor& base_out) const override {
    (void)x;
    auto wx = base.bias.defined() ? base_out - base.bias : base_out;
    return wx.to(at::kFloat) * g_;
  }
  std::vector<peft::SuffixTensor> parameters() override { return {{".ia3_gate", &g_}}; }
  void merge_into(at::Tensor& w) override { w.mul_((1 + g_.detach()).unsqueeze(1).to(w.scalar_type())); }
  void unmerge_from(at::Tensor& w) override { w.div_((1 + g_.detach()).unsqueeze(1).to(w.scalar_type())); }

 private:
  at::Tensor g_;
};

class GateRuntime : public peft::MethodRuntime {
 public:
  std::map<std::string, at::Tensor> init(const peft::LoraConfig& c, const peft::TargetPlan&, const model::Linear& base,
                                         at::Generator&) const override {
    return {{".ia3_gate", at::full({base.out_features()}, c.options.at("gate_init").get<double>(), at::kFloat)}};
  }
  std::shared_ptr<peft::AdapterDelta> load(const peft::LoraConfig&, const peft::TargetPlan& t, const model::Linear& base,
                                           peft::ModuleTensors& tensors) const override {
    auto g = tensors.take(".ia3_gate");
    LLMCP_CHECK(g.dim() == 1 && g.size(0) == base.out_features(), kShapeMismatch, tensors.source(), ": the gate of ",
                t.module, " has shape ", g.sizes(), " but this base needs [", base.out_features(), "]", tensors.hint());
    return std::make_shared<GateDelta>(g);
  }
};

}  // namespace

std::unique_ptr<peft::PeftMethod> method() { return std::make_unique<Gate>(); }
std::unique_ptr<peft::MethodRuntime> runtime() { return std::make_unique<GateRuntime>(); }

}  // namespace llmcp::toy_gate
