// The sparse fine-tuning method's settings (the seed's keys: sparsity_ratio, sparsity_type,
// mask_update_interval, mask_update_fraction, use_rigl, use_topk_attention, topk_ratio), how many
// entries a weight trains, and RigL's cosine-decayed update fraction. Torch-free.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace llmcp::peft {

struct LoraConfig;

enum class SparsityType { kUnstructured, kStructured };
const char* sparsity_type_name(SparsityType t);

struct SparseConfig {
  double sparsity_ratio = 0.99;  // fraction of each targeted weight that stays frozen
  SparsityType sparsity_type = SparsityType::kUnstructured;
  int64_t mask_update_interval = 100;  // optimizer steps between mask updates; 0 = static mask
  double mask_update_fraction = 0.3;   // alpha of the cosine schedule
  bool use_rigl = true;                // false: the random starting mask stays
  bool use_topk_attention = false;
  double topk_ratio = 0.1;

  void validate() const;  // kInvalidArgument naming the key
  // Trainable entries of an [out, in] weight: round((1 - s) * out * in) elements, at least one;
  // structured: round((1 - s) * out) whole rows (at least one), times `in`.
  int64_t trainable_entries(int64_t out, int64_t in) const;
  int64_t trainable_rows(int64_t out) const;  // structured only
  // alpha / 2 * (1 + cos(pi * step / total_steps)): the fraction of a mask replaced at `step`.
  double update_fraction(int64_t step, int64_t total_steps) const;
  // Whether the mask changes after optimizer step `step` (1-based) of `total_steps`.
  bool updates_at(int64_t step, int64_t total_steps) const;
  // How many units (entries, or rows when structured) of `active` swap at `step`: round(f * active),
  // no more than the `inactive` ones available.
  int64_t swap_count(int64_t step, int64_t total_steps, int64_t active, int64_t inactive) const;

  // The seed's keys (missing ones keep their defaults); wrong types and values name the key.
  static SparseConfig from_json(const nlohmann::json& j, const std::string& source);
  void to_json(nlohmann::json& j) const;  // adds the seed's keys to `j`
  // An adapter config's sparse settings (its options), and an adapter config made a sparse one.
  static SparseConfig of(const LoraConfig& c);
  void apply_to(LoraConfig& c) const;
};

}  // namespace llmcp::peft
