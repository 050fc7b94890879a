// Adapter bookkeeping over the decoder's mutable views (linears(), tensors()): deltas are attached
// to Linear::deltas for the active, unmerged adapters; modules_to_save copies are swapped into
// their slots while their adapter is active.
#include "peft/peft_model.h"

#include <ATen/core/grad_mode.h>

#include <functional>
#include <utility>

#include <ATen/CPUGeneratorImpl.h>

#include <cstdio>
#include <set>

#include "core/error.h"
#include "core/log.h"
#include "core/format.h"
#include "peft/method_runtime.h"
#include "peft/targets.h"

namespace llmcp::peft {
namespace {

std::string module_of(const std::string& tensor_name) { return tensor_name.substr(0, tensor_name.rfind('.')); }

}  // namespace

std::string peft_key(const std::string& module, const std::string& suffix) { return "base_model.model." + module + suffix; }

PeftModel::PeftModel(model::Decoder& decoder) : decoder_(decoder) {}

model::Linear& PeftModel::linear(const std::string& module) {
  for (auto* l : decoder_.linears())
    if (l->name == module) return *l;
  LLMCP_FAIL(kNotFound, "the model has no linear layer '", module, "'");
}

at::Tensor& PeftModel::slot(const std::string& tensor_name) {
  for (auto& s : decoder_.tensors())
    if (s.name == tensor_name) return *s.tensor;
  LLMCP_FAIL(kNotFound, "the model has no tensor '", tensor_name, "'");
}

Adapter& PeftModel::add_adapter(const std::string& name, const LoraConfig& config, uint64_t seed) {
  config.validate();
  LLMCP_CHECK(!adapters_.count(name), kInvalidArgument, "an adapter named '", name, "' already exists");
  std::vector<std::string> linear_names;
  for (auto* l : decoder_.linears()) linear_names.push_back(l->name);
  const auto& names = decoder_.names();
  auto plan = plan_targets(config, linear_names, names.lm_head, names.default_targets);

  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto& method = method_runtime(config.method);
  std::map<std::string, at::Tensor> tensors;
  for (const auto& t : plan)
    for (auto& [suffix, tensor] : method.init(config, t, linear(t.module), gen))
      tensors[peft_key(t.module, suffix)] = std::move(tensor);
  return add_loaded_adapter(name, config, std::move(tensors), "new adapter '" + name + "'");
}

Adapter& PeftModel::add_loaded_adapter(const std::string& name, const LoraConfig& config,
                                       std::map<std::string, at::Tensor> tensors, const std::string& source) {
  LLMCP_CHECK(!adapters_.count(name), kInvalidArgument, "an adapter named '", name, "' already exists");
  std::vector<std::string> linear_names;
  for (auto* l : decoder_.linears()) linear_names.push_back(l->name);
  const auto& names = decoder_.names();
  auto plan = plan_targets(config, linear_names, names.lm_head, names.default_targets);
  const auto device = decoder_.device();
  const auto& method = method_runtime(config.method);

  Adapter a;
  a.config = config;
  std::set<std::string> targeted;
  for (const auto& t : plan) {
    auto& base = linear(t.module);
    a.module_order.push_back(t.module);
    targeted.insert(t.module);
    ModuleTensors module_tensors(tensors, t.module, source, device, config.base_model_name_or_path);
    a.modules[t.module] = method.load(config, t, base, module_tensors);
  }
  for (auto& s : decoder_.tensors()) {
    const auto module = module_of(s.name);
    const bool is_bias = s.name.size() > 5 && s.name.compare(s.name.size() - 5, 5, ".bias") == 0;
    if (is_module_to_save(config, module)) {
      auto key = peft_key(s.name, "");
      auto it = tensors.find(key);
      a.saved[s.name] = (it != tensors.end() ? it->second.to(device, s.tensor->scalar_type()) : s.tensor->detach())
                            .clone()
                            .requires_grad_(true);
      if (it != tensors.end()) tensors.erase(it);
    } else if (is_bias && (config.bias == BiasMode::kAll || (config.bias == BiasMode::kLoraOnly && targeted.count(module)))) {
      a.biases.push_back(s.name);
      const auto key = peft_key(module, targeted.count(module) ? ".base_layer.bias" : ".bias");
      auto it = tensors.find(key);
      if (it != tensors.end()) {  // a trained bias replaces the base's, as PEFT's load does
        at::NoGradGuard g;
        s.tensor->copy_(it->second);
        tensors.erase(it);
      }
    }
  }
  for (const auto& m : config.modules_to_save) {
    bool found = false;
    for (const auto& [tname, t] : a.saved) found = found || module_of(tname).ends_with(m);
    LLMCP_CHECK(found, kInvalidArgument, "modules_to_save entry '", m, "' names no module of this model");
  }
  // Keys left over belong to modules this base does not have (or that the config does not target).
  if (!tensors.empty()) {
    std::string keys;
    int n = 0;
    for (const auto& [k, v] : tensors)
      if (n++ < 5) keys += "\n  " + k;
    LLMCP_FAIL(kShapeMismatch, source, " has ", tensors.size(), " tensor(s) that match no targeted module of this base:",
               keys, "\n(does the adapter belong to this base model, and does its adapter_config.json list these modules?)");
  }
  auto& stored = adapters_[name] = std::move(a);
  if (active_.empty()) active_ = {name};
  rebuild();
  return stored;
}

void PeftModel::delete_adapter(const std::string& name) {
  auto& a = adapter(name);
  if (a.merged) unmerge(name);
  adapters_.erase(name);
  std::erase(active_, name);
  rebuild();
}

void PeftModel::set_active(const std::vector<std::string>& names) {
  for (const auto& n : names) adapter(n);
  active_ = names;
  rebuild();
}

void PeftModel::disable() {
  disabled_ = true;
  rebuild();
}

void PeftModel::enable() {
  disabled_ = false;
  rebuild();
}

namespace {

// Applies `edit` to a linear layer's base weight: in place when dense; a quantized base is
// dequantized, edited and quantized again in its own format, which rounds (a warning says so).
void edit_base(model::Linear& l, const std::function<void(at::Tensor&)>& edit) {
  LLMCP_CHECK(!l.sharded(), kUnsupported, "'", l.name, "': a base sharded across training processes cannot be ",
              "merged into; merge the saved adapter into the model afterwards (llm-mcp merge)");
  if (!l.quantized()) return edit(l.weight);
  const auto& q = *l.qweight;
  auto w = q.dequantize(at::kFloat);
  edit(w);
  quant::QuantSpec spec{q.format, q.blocksize, q.nested, q.compute_dtype};
  l.qweight = quant::QuantizedWeight::quantize(w.to(q.source_dtype), spec);
  static bool warned = false;
  if (!std::exchange(warned, true))
    core::log_warn("merging into a quantized (", quant::format_name(q.format),
                   ") base re-quantizes its weights: outputs differ from the adapter's by the rounding; merge into a "
                   "dense copy of the base (merge --dense) to keep them exact");
}

}  // namespace

void PeftModel::merge(const std::string& name) {
  auto& a = adapter(name);
  LLMCP_CHECK(!a.merged, kInvalidArgument, "adapter '", name, "' is already merged");
  for (const auto& module : a.module_order)
    edit_base(linear(module), [&](at::Tensor& w) { a.modules[module]->merge_into(w); });
  a.merged = true;
  rebuild();
}

void PeftModel::unmerge(const std::string& name) {
  auto& a = adapter(name);
  LLMCP_CHECK(a.merged, kInvalidArgument, "adapter '", name, "' is not merged");
  for (const auto& module : a.module_order)
    edit_base(linear(module), [&](at::Tensor& w) { a.modules[module]->unmerge_from(w); });
  a.merged = false;
  rebuild();
}

void PeftModel::set_training(bool on) {
  for (auto& [n, a] : adapters_)
    for (auto& [m, d] : a.modules) d->set_training(on);
}

void PeftModel::rebuild() {
  for (auto* l : decoder_.linears()) l->deltas.clear();
  for (auto& [tname, original] : originals_) slot(tname) = original;
  originals_.clear();
  if (disabled_) return;
  for (const auto& n : active_) {
    auto& a = adapters_.at(n);
    if (!a.merged)
      for (const auto& module : a.module_order) linear(module).deltas.push_back(a.modules.at(module));
    for (auto& [tname, copy] : a.saved) {
      auto& s = slot(tname);
      if (!originals_.count(tname)) originals_[tname] = s;
      s = copy;
    }
  }
}

std::vector<NamedParameter> PeftModel::parameters(const std::string& name) {
  auto& a = adapter(name);
  std::vector<NamedParameter> out;
  for (const auto& module : a.module_order)
    for (auto& [suffix, t] : a.modules.at(module)->parameters()) out.push_back({peft_key(module, suffix), t});
  for (auto& [tname, copy] : a.saved) out.push_back({peft_key(tname, ""), &copy});
  for (const auto& b : a.biases) {
    const auto module = module_of(b);
    out.push_back({peft_key(module, a.modules.count(module) ? ".base_layer.bias" : ".bias"), &slot(b)});
  }
  return out;
}

std::vector<NamedParameter> PeftModel::buffers(const std::string& name) {
  auto& a = adapter(name);
  std::vector<NamedParameter> out;
  for (const auto& module : a.module_order)
    for (auto& [suffix, t] : a.modules.at(module)->buffers()) out.push_back({peft_key(module, suffix), t});
  return out;
}

std::string PeftModel::trainable_summary(const std::string& name) {
  int64_t trainable = 0, all = 0;
  for (auto& p : parameters(name)) trainable += p.tensor->numel();
  for (auto& s : decoder_.tensors()) all += s.tensor->numel();
  // A quantized base counts its parameters, not its packed bytes (as PEFT does for 4-bit weights).
  for (const auto& [m, q] : decoder_.quantized_weights()) all += q->out * q->in;
  for (auto& [n, a] : adapters_) {
    for (auto& [m, d] : a.modules)
      for (auto& [suffix, t] : d->parameters()) all += t->numel();
    for (auto& [t, copy] : a.saved) all += copy.numel();
  }
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.4f", all ? 100.0 * static_cast<double>(trainable) / static_cast<double>(all) : 0.0);
  return "trainable params: " + core::with_commas(trainable) + " || all params: " + core::with_commas(all) + " || trainable%: " + pct;
}

const Adapter& PeftModel::adapter(const std::string& name) const {
  auto it = adapters_.find(name);
  LLMCP_CHECK(it != adapters_.end(), kNotFound, "no adapter named '", name, "'");
  return it->second;
}

Adapter& PeftModel::adapter(const std::string& name) {
  return const_cast<Adapter&>(static_cast<const PeftModel&>(*this).adapter(name));
}

std::vector<std::string> PeftModel::adapter_names() const {
  std::vector<std::string> out;
  for (const auto& [n, a] : adapters_) out.push_back(n);
  return out;
}

}  // namespace llmcp::peft
