// Range and cross-key checks of the training config; see train_config_checks.h.
#include "train/train_config_checks.h"

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

void non_negative(const char* key, double v) { in_range(key, v, 0, INFINITY, false, true); }
void positive(const char* key, double v) { in_range(key, v, 0, INFINITY, true, true); }

bool valid_device(const std::string& d) {
  if (d == "cpu" || d == "cuda" || d == "auto") return true;
  if (d.rfind("cuda:", 0) != 0 || d.size() == 5 || d.size() > 8) return false;
  for (size_t i = 5; i < d.size(); ++i)
    if (d[i] < '0' || d[i] > '9') return false;
  return true;
}

}  // namespace

void check_aliases(const nlohmann::json& j) {
  static const std::pair<const char*, const char*> kAliases[] = {
      {"epochs", "num_train_epochs"}, {"batch_size", "per_device_train_batch_size"},
      {"lr_scheduler", "lr_scheduler_type"}, {"seq_len", "max_seq_length"}, {"lora_rank", "r"}};
  // (lora_dropout and the seed's dropout_rate may differ: the seed's DoRA example sets both, and
  // lora_dropout wins.)
  for (const auto& [a, b] : kAliases)
    if (j.contains(a) && j.contains(b) && !j[a].is_null() && !j[b].is_null())
      LLMCP_CHECK(j[a] == j[b], kInvalidArgument, "config keys '", a, "' (", j[a].dump(), ") and '", b, "' (",
                  j[b].dump(), ") name the same setting with different values; keep one");
}

void check_train_config(const TrainConfig& c) {
  LLMCP_CHECK(c.epochs > 0 || c.max_steps > 0, kInvalidArgument, "epochs or max_steps must be positive");
  at_least("epochs", c.epochs, 0);
  at_least("max_steps", c.max_steps, 0, " (0: train for `epochs`)");
  at_least("batch_size", c.batch_size, 1);
  at_least("gradient_accumulation_steps", c.gradient_accumulation_steps, 1);
  positive("learning_rate", c.learning_rate);
  LLMCP_CHECK(c.lr_scheduler == "constant" || c.lr_scheduler == "linear" || c.lr_scheduler == "cosine",
              kInvalidArgument, "lr_scheduler '", c.lr_scheduler, "' is unknown; choose constant, linear or cosine");
  at_least("warmup_steps", c.warmup_steps, 0);
  in_range("warmup_ratio", c.warmup_ratio, 0, 1, false, true);
  non_negative("weight_decay", c.weight_decay);
  non_negative("max_grad_norm", c.max_grad_norm);
  in_range("adam_beta1", c.adam_beta1, 0, 1, false, true);
  in_range("adam_beta2", c.adam_beta2, 0, 1, false, true);
  positive("adam_epsilon", c.adam_epsilon);
  at_least("seq_len", c.seq_len, 2);
  in_range("eval_fraction", c.eval_fraction, 0, 1, false, true);
  LLMCP_CHECK(c.seed <= static_cast<uint64_t>(INT64_MAX), kInvalidArgument, "config key 'seed' must be a "
              "non-negative integer, got ", static_cast<int64_t>(c.seed));
  at_least("save_steps", c.save_steps, 0, " (0: save only at the end)");
  at_least("save_total_limit", c.save_total_limit, 1);
  at_least("eval_steps", c.eval_steps, 0, " (0: evaluate only at the end)");
  at_least("logging_steps", c.logging_steps, 1);
  at_least("early_stopping_patience", c.early_stopping_patience, 0, " (0: off)");
  non_negative("early_stopping_threshold", c.early_stopping_threshold);
  if (c.router_aux_loss_coef) non_negative("router_aux_loss_coef", *c.router_aux_loss_coef);
  LLMCP_CHECK(valid_device(c.device), kInvalidArgument, "device '", c.device,
              "' is unknown; choose cpu, cuda, cuda:N or auto");
  if (!c.quantization.empty()) {
    const auto q = quant::BnbKeys::from_json(c.quantization);  // what the loader will read, checked now
    LLMCP_CHECK(c.method != Method::kFull || !(q.load_in_4bit || q.load_in_8bit), kInvalidArgument,
                "full fine-tuning trains every weight, so it cannot keep a quantized base; drop load_in_4bit/"
                "load_in_8bit or train an adapter (method lora, dora, qlora or sparse)");
  }
}

}  // namespace llmcp::train
