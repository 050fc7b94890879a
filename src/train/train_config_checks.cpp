// Range and cross-key checks of the training config; see train_config_checks.h. Ranges and
// choices come from the key table; what is left here involves several keys or a special form.
#include "train/train_config_checks.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "quant/bnb_keys.h"

namespace llmcp::train {
namespace {

void at_least(const char* key, int64_t v, int64_t min, const char* meaning = "") {
  LLMCP_CHECK(v >= min, kInvalidArgument, "config key '", key, "' must be at least ", min, meaning, ", got ", v);
}

void in_range(const char* key, double v, double lo, double hi, bool lo_open, bool hi_open) {
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  LLMCP_CHECK(ok, kInvalidArgument, "config key '", key, "' must be in ", lo_open ? "(" : "[", lo, ", ",
              std::isinf(hi) ? std::string("inf") : std::to_string(hi).erase(std::to_string(hi).find_last_not_of('0') + 1),
              hi_open ? ")" : "]", ", got ", v);
}

// The table's ranges and choices, for the keys the trainer reads.
void check_key(const ConfigKey& k, const nlohmann::json& v) {
  if (v.is_null()) return;
  if (!k.choices.empty() && v.is_string()) {
    std::string list;
    for (size_t i = 0; i < k.choices.size(); ++i)
      list += (i == 0 ? "" : i + 1 == k.choices.size() ? " or " : ", ") + k.choices[i];
    LLMCP_CHECK(std::find(k.choices.begin(), k.choices.end(), v.get<std::string>()) != k.choices.end(), kInvalidArgument,
                k.name, " '", v.get<std::string>(), "' is unknown; choose ", list);
  }
  if (!v.is_number() || (std::isinf(k.min) && std::isinf(k.max))) return;
  if (std::string(k.type) == "int" && std::isinf(k.max) && !k.min_open)
    at_least(k.name, v.get<int64_t>(), static_cast<int64_t>(k.min), k.at_min);
  else
    in_range(k.name, v.get<double>(), k.min, k.max, k.min_open, k.max_open);
}

bool valid_device(const std::string& d) {
  if (d == "cpu" || d == "cuda" || d == "auto") return true;
  if (d.rfind("cuda:", 0) != 0 || d.size() == 5 || d.size() > 8) return false;
  for (size_t i = 5; i < d.size(); ++i)
    if (d[i] < '0' || d[i] > '9') return false;
  return true;
}

}  // namespace

void check_aliases(const nlohmann::json& j) {
  // (lora_dropout and the seed's dropout_rate may differ: the seed's DoRA example sets both, and
  // lora_dropout wins; the table does not call them aliases.)
  for (const auto& k : train_config_keys()) {
    if (!k.alias_of) continue;
    const char *a = k.alias_of, *b = k.name;
    if (j.contains(a) && j.contains(b) && !j[a].is_null() && !j[b].is_null())
      LLMCP_CHECK(j[a] == j[b], kInvalidArgument, "config keys '", a, "' (", j[a].dump(), ") and '", b, "' (",
                  j[b].dump(), ") name the same setting with different values; keep one");
  }
}

void check_train_config(const TrainConfig& c) {
  LLMCP_CHECK(c.epochs > 0 || c.max_steps > 0, kInvalidArgument, "epochs or max_steps must be positive");
  for (const auto& k : train_config_keys())
    if (k.get && !k.alias_of) check_key(k, k.get(c));
  LLMCP_CHECK(c.seed <= static_cast<uint64_t>(INT64_MAX), kInvalidArgument, "config key 'seed' must be a "
              "non-negative integer, got ", static_cast<int64_t>(c.seed));
  LLMCP_CHECK(valid_device(c.device), kInvalidArgument, "device '", c.device,
              "' is unknown; choose cpu, cuda, cuda:N or auto");
  LLMCP_CHECK(!c.full() || !c.shard_base, kInvalidArgument,
              "shard_base splits a frozen base among the processes, but full fine-tuning trains every weight; drop "
              "shard_base or train an adapter (method lora, dora, qlora or sparse)");
  if (!c.quantization.empty()) {
    const auto q = quant::BnbKeys::from_json(c.quantization);  // what the loader will read, checked now
    LLMCP_CHECK(!c.full() || !(q.load_in_4bit || q.load_in_8bit), kInvalidArgument,
                "full fine-tuning trains every weight, so it cannot keep a quantized base; drop load_in_4bit/"
                "load_in_8bit or train an adapter (method lora, dora, qlora or sparse)");
  }
}

}  // namespace llmcp::train
