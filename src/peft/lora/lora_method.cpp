// LoRA as a registered method (torch-free half): PEFT's "LORA" type, its keys (the adapter keys
// of LoraConfig: r, lora_alpha, lora_dropout, use_rslora, init_lora_weights, the patterns), its
// variants QLoRA (the base quantized: train::base_quantization) and DoRA (use_dora), and its cost to the planner: A [r, in] and B [out, r] (DoRA: and the
// magnitude [out]), and what peft/lora/lora_delta.cpp keeps for backward.
#include <algorithm>

#include "peft/lora_config.h"
#include "peft/method.h"

namespace llmcp::peft::lora {
namespace {

using nlohmann::json;

class Lora : public PeftMethod {
 public:
  std::string name() const override { return "lora"; }
  std::string peft_type() const override { return "LORA"; }
  std::string help() const override { return "low-rank adapters: y = W x + (alpha / r) B A x (PEFT's LoRA)"; }
  std::vector<MethodVariant> variants() const override {
    return {{"qlora", "LoRA on a quantized base: 4-bit NF4 unless load_in_4bit / load_in_8bit say otherwise", json::object()},
            {"dora", "weight-decomposed LoRA: a learned magnitude per output row (use_dora)", {{"use_dora", true}}}};
  }
  bool uses_rank() const override { return true; }
  json typical_keys(const std::string& method) const override {
    json k = {{"lora_rank", 8}, {"lora_alpha", 16}, {"lora_dropout", method == "dora" ? 0.1 : 0.05}};
    if (method == "qlora") {
      k["load_in_4bit"] = true;
      k["bnb_4bit_quant_type"] = "nf4";
      k["bnb_4bit_use_double_quant"] = true;
    }
    return k;
  }

  void write_options(const LoraConfig& c, json& j) const override {
    j["alpha_pattern"] = json::object();  // filled in their own order by lora_config_to_json
    j["auto_mapping"] = nullptr;
    j["fan_in_fan_out"] = false;
    switch (c.init) {
      case LoraInit::kDefault: j["init_lora_weights"] = true; break;
      case LoraInit::kGaussian: j["init_lora_weights"] = "gaussian"; break;
      case LoraInit::kNone: j["init_lora_weights"] = false; break;
    }
    j["lora_alpha"] = json_number(c.lora_alpha);
    j["lora_dropout"] = c.lora_dropout;
    j["r"] = c.r;
    j["rank_pattern"] = json::object();
    j["use_dora"] = c.use_dora;
    j["use_rslora"] = c.use_rslora;
  }

  ModuleCost module_cost(const LoraConfig& c, int64_t rank, int64_t out, int64_t in) const override {
    ModuleCost m;
    m.trainable = rank * (in + out) + (c.use_dora ? out : 0);
    m.largest_tensor = std::max(rank * in, rank * out);
    return m;
  }

  Kept kept_for_backward(const LoraConfig& c, const KeptInput& k) const override {
    Kept kept;
    if (c.lora_dropout > 0) {
      kept.tensors.push_back(k.rows * k.in * (k.cuda ? 1 : 4));           // the dropout mask (CPU: fp32 noise; CUDA: bool)
      kept.tensors.push_back(k.rows * k.in * (k.autocast ? 2 : 4));       // the dropped input lora_A's gradient needs
    } else if (k.autocast) {
      kept.tensors.push_back(k.rows * k.in * 2);  // autocast's bf16 copy of the fp32 adapter input
    } else if (k.input_size == 4) {
      kept.shares_input = true;
    } else {
      kept.tensors.push_back(k.rows * k.in * 4);  // the fp32 copy of a bf16 input
    }
    kept.tensors.push_back(k.rows * k.rank * k.mm_size);  // lora_A's output, for lora_B's gradient
    if (c.use_dora) {                            // W0 x and the LoRA output, for the magnitude's gradient
      kept.tensors.push_back(k.rows * k.out * 4);
      kept.tensors.push_back(k.rows * k.out * k.mm_size);
    }
    return kept;
  }
};

}  // namespace

std::unique_ptr<PeftMethod> method() { return std::make_unique<Lora>(); }

}  // namespace llmcp::peft::lora
