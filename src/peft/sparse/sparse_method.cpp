// Sparse fine-tuning as a registered method (torch-free half): our "SPARSE" type, the seed's keys
// (peft/sparse/sparse_config), and its cost to the planner: k fp32 values and their indices in
// the forms peft/sparse/sparse_delta.cpp builds, RigL's dense gradient on update steps, the
// input the sparse product keeps for backward, and top-k attention.
#include "peft/lora_config.h"
#include "peft/method.h"
#include "peft/sparse/sparse_config.h"

namespace llmcp::peft::sparse {
namespace {

class Sparse : public PeftMethod {
 public:
  std::string name() const override { return "sparse"; }
  std::string peft_type() const override { return "SPARSE"; }
  std::string help() const override {
    return "a sparse delta: k entries of each targeted weight train, their mask dropped and grown by RigL";
  }
  std::vector<MethodKey> keys() const override {
    return {
        {"sparsity_ratio", "number",
         "fraction of each targeted weight kept frozen; k = round((1 - s) x out x in) entries train (0.99)"},
        {"sparsity_type", "string", "unstructured (single entries) | structured (whole output rows) (unstructured)"},
        {"mask_update_interval", "int", "optimizer steps between RigL mask updates; 0 = a static mask (100)"},
        {"mask_update_fraction", "number", "fraction of the mask replaced, decayed by a cosine over the run (0.3)"},
        {"use_rigl", "bool", "drop the smallest deltas, grow the largest dense gradients; false keeps the random mask (true)"},
        {"use_topk_attention", "bool", "in training, each query keeps only its top-k attention scores (false)"},
        {"topk_ratio", "number", "fraction of a query's visible scores kept by top-k attention (0.1)"},
    };
  }

  nlohmann::json typical_keys(const std::string&) const override {
    return {{"sparsity_ratio", 0.99}, {"mask_update_interval", 100}};
  }

  nlohmann::json read_options(const nlohmann::json& j, const std::string& source) const override {
    nlohmann::json out = nlohmann::json::object();
    SparseConfig::from_json(j, source).to_json(out);
    return out;
  }

  ModuleCost module_cost(const LoraConfig& c, int64_t rank, int64_t out, int64_t in) const override {
    (void)rank;
    const auto s = SparseConfig::of(c);
    ModuleCost m;
    m.trainable = m.largest_tensor = s.trainable_entries(out, in);
    // sorted indices, both CSR forms (peft/sparse/sparse_delta.cpp's Structure), an fp32 values copy
    m.buffer_bytes = m.trainable * 8 * 4 + (out + in + 2) * 8;
    if (s.use_rigl && s.mask_update_interval > 0) m.update_bytes = out * in * 4;
    return m;
  }

  Kept kept_for_backward(const LoraConfig& c, const KeptInput& k) const override {
    (void)c;
    return {{k.rows * k.in * 4}, false};  // x^T in fp32, per module (peft/sparse/sparse_delta.cpp)
  }

  double topk_attention(const LoraConfig& c) const override {
    const auto s = SparseConfig::of(c);
    return s.use_topk_attention ? s.topk_ratio : 0.0;
  }
};

}  // namespace

std::unique_ptr<PeftMethod> method() { return std::make_unique<Sparse>(); }

}  // namespace llmcp::peft::sparse
