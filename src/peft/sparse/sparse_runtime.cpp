// The sparse method's torch half: a random starting mask with zero values, a SparseDelta from a
// module's sparse_indices / sparse_values, and RigL between optimizer steps: before a step after
// which the masks change, backward collects dense gradients; after it, every mask drops and grows
// per the cosine schedule, the optimizer's moments follow the entries (grown ones start at zero),
// and the statistics go to metrics.jsonl.
#include <ATen/ATen.h>

#include <vector>

#include "peft/method_runtime.h"
#include "peft/peft_model.h"
#include "peft/sparse/sparse_delta.h"

namespace llmcp::peft::sparse {
namespace {

class RigLHooks : public TrainingHooks {
 public:
  RigLHooks(SparseConfig config, std::vector<SparseDelta*> deltas) : config_(config), deltas_(std::move(deltas)) {}

  void before_step(int64_t step, int64_t total) override {
    if (!config_.updates_at(step, total)) return;
    for (auto* d : deltas_) d->collect_dense_gradient(true);
  }

  std::vector<at::Tensor> gradients_to_sum(int64_t step, int64_t total) override {
    std::vector<at::Tensor> out;
    if (!config_.updates_at(step, total)) return out;
    for (auto* d : deltas_) out.push_back(d->dense_gradient_sink());
    return out;
  }

  nlohmann::ordered_json after_step(int64_t step, int64_t total, const Remap& remap) override {
    if (!config_.updates_at(step, total)) return nullptr;
    int64_t swapped = 0, active = 0;
    for (auto* d : deltas_) {
      const int64_t units = d->active_units();
      auto change = d->update_mask(config_.swap_count(step, total, units, d->all_units() - units));
      remap(d->values(), change.source);
      swapped += change.swapped;
      active += d->size();
    }
    nlohmann::ordered_json j;
    j["step"] = step;
    j["mask_update_fraction"] = config_.update_fraction(step, total);
    j["mask_swapped"] = swapped;
    j["mask_active"] = active;
    j["mask_overlap"] = active > 0 ? static_cast<double>(active - swapped) / static_cast<double>(active) : 1.0;
    j["mask_modules"] = static_cast<int64_t>(deltas_.size());
    return j;
  }

 private:
  SparseConfig config_;
  std::vector<SparseDelta*> deltas_;
};

class SparseRuntime : public MethodRuntime {
 public:
  std::map<std::string, at::Tensor> init(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                         at::Generator& gen) const override {
    (void)t;
    auto idx = SparseDelta::random_indices(base.out_features(), base.in_features(), config(c), gen);
    auto values = at::zeros({idx.numel()}, at::kFloat);
    return {{".sparse_indices", std::move(idx)}, {".sparse_values", std::move(values)}};
  }

  std::shared_ptr<AdapterDelta> load(const LoraConfig& c, const TargetPlan& t, const model::Linear& base,
                                     ModuleTensors& tensors) const override {
    auto idx = tensors.take_buffer(".sparse_indices");
    auto values = tensors.take(".sparse_values");
    return std::make_shared<SparseDelta>(base.out_features(), base.in_features(), idx, values,
                                         config(c).sparsity_type == SparsityType::kStructured,
                                         tensors.source() + ": " + t.module);
  }

  std::unique_ptr<TrainingHooks> training_hooks(const LoraConfig& c, Adapter& adapter) const override {
    const auto s = config(c);
    if (!s.use_rigl || s.mask_update_interval <= 0) return nullptr;
    std::vector<SparseDelta*> deltas;
    for (const auto& module : adapter.module_order)
      deltas.push_back(&dynamic_cast<SparseDelta&>(*adapter.modules.at(module)));
    return std::make_unique<RigLHooks>(s, std::move(deltas));
  }

 private:
  static SparseConfig config(const LoraConfig& c) { return SparseConfig::of(c); }
};

}  // namespace

std::unique_ptr<MethodRuntime> runtime() { return std::make_unique<SparseRuntime>(); }

}  // namespace llmcp::peft::sparse
