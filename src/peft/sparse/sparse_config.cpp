// Sparse settings: parsing with errors that name the key, and the counts the method derives.
#include "peft/sparse/sparse_config.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"
#include "peft/lora_config.h"

namespace llmcp::peft {

const char* sparsity_type_name(SparsityType t) {
  return t == SparsityType::kStructured ? "structured" : "unstructured";
}

void SparseConfig::validate() const {
  LLMCP_CHECK(sparsity_ratio >= 0 && sparsity_ratio < 1, kInvalidArgument,
              "sparsity_ratio must be in [0, 1) (the fraction of each weight kept frozen), got ", sparsity_ratio);
  LLMCP_CHECK(mask_update_interval >= 0, kInvalidArgument, "mask_update_interval must be 0 (static mask) or a positive "
              "number of optimizer steps, got ", mask_update_interval);
  LLMCP_CHECK(mask_update_fraction >= 0 && mask_update_fraction <= 1, kInvalidArgument,
              "mask_update_fraction must be in [0, 1], got ", mask_update_fraction);
  LLMCP_CHECK(topk_ratio > 0 && topk_ratio <= 1, kInvalidArgument, "topk_ratio must be in (0, 1], got ", topk_ratio);
}

int64_t SparseConfig::trainable_rows(int64_t out) const {
  const auto r = static_cast<int64_t>(std::llround((1 - sparsity_ratio) * static_cast<double>(out)));
  return std::clamp<int64_t>(r, 1, out);
}

int64_t SparseConfig::trainable_entries(int64_t out, int64_t in) const {
  if (sparsity_type == SparsityType::kStructured) return trainable_rows(out) * in;
  const auto k = static_cast<int64_t>(std::llround((1 - sparsity_ratio) * static_cast<double>(out) * static_cast<double>(in)));
  return std::clamp<int64_t>(k, 1, out * in);
}

double SparseConfig::update_fraction(int64_t step, int64_t total_steps) const {
  const double t = total_steps > 0 ? static_cast<double>(step) / static_cast<double>(total_steps) : 1.0;
  return mask_update_fraction / 2 * (1 + std::cos(std::numbers::pi * t));
}

bool SparseConfig::updates_at(int64_t step, int64_t total_steps) const {
  return use_rigl && mask_update_interval > 0 && step > 0 && step < total_steps && step % mask_update_interval == 0;
}

int64_t SparseConfig::swap_count(int64_t step, int64_t total_steps, int64_t active, int64_t inactive) const {
  const auto n = static_cast<int64_t>(std::llround(update_fraction(step, total_steps) * static_cast<double>(active)));
  return std::clamp<int64_t>(n, 0, std::min(active, inactive));
}

SparseConfig SparseConfig::from_json(const nlohmann::json& j, const std::string& source) {
  SparseConfig c;
  try {
    if (j.contains("sparsity_ratio") && !j["sparsity_ratio"].is_null()) c.sparsity_ratio = j["sparsity_ratio"].get<double>();
    if (j.contains("sparsity_type") && !j["sparsity_type"].is_null()) {
      const auto t = j["sparsity_type"].get<std::string>();
      LLMCP_CHECK(t == "unstructured" || t == "structured", kInvalidArgument, source, ": sparsity_type '", t,
                  "' is unknown; choose unstructured (single entries) or structured (whole output rows)");
      c.sparsity_type = t == "structured" ? SparsityType::kStructured : SparsityType::kUnstructured;
    }
    if (j.contains("mask_update_interval") && !j["mask_update_interval"].is_null())
      c.mask_update_interval = j["mask_update_interval"].get<int64_t>();
    if (j.contains("mask_update_fraction") && !j["mask_update_fraction"].is_null())
      c.mask_update_fraction = j["mask_update_fraction"].get<double>();
    if (j.contains("use_rigl") && !j["use_rigl"].is_null()) c.use_rigl = j["use_rigl"].get<bool>();
    if (j.contains("use_topk_attention") && !j["use_topk_attention"].is_null())
      c.use_topk_attention = j["use_topk_attention"].get<bool>();
    if (j.contains("topk_ratio") && !j["topk_ratio"].is_null()) c.topk_ratio = j["topk_ratio"].get<double>();
  } catch (const nlohmann::json::exception& e) {
    LLMCP_FAIL(kInvalidArgument, source, ": a sparse fine-tuning key has the wrong type (", e.what(), ")");
  }
  c.validate();
  return c;
}

void SparseConfig::to_json(nlohmann::json& j) const {
  j["mask_update_fraction"] = mask_update_fraction;
  j["mask_update_interval"] = mask_update_interval;
  j["sparsity_ratio"] = sparsity_ratio;
  j["sparsity_type"] = sparsity_type_name(sparsity_type);
  j["topk_ratio"] = topk_ratio;
  j["use_rigl"] = use_rigl;
  j["use_topk_attention"] = use_topk_attention;
}

SparseConfig SparseConfig::of(const LoraConfig& c) {
  LLMCP_CHECK(c.method == "sparse", kInvalidArgument, "the adapter is a ", c.method, " adapter, not a sparse one");
  return from_json(c.options, "the sparse adapter");
}

void SparseConfig::apply_to(LoraConfig& c) const {
  c.method = "sparse";
  c.options = nlohmann::json::object();
  to_json(c.options);
}

}  // namespace llmcp::peft
