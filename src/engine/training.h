// The fine-tuning part of the facade: train from a config (file, inline JSON, overrides), merge an
// adapter into a model folder, and evaluate a model (with an adapter) on a dataset. Plain types
// and JSON; no torch in this header.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/hub.h"

namespace llmcp::engine {

struct TrainRequest {
  std::string config_path;                          // YAML or JSON file; may be empty
  nlohmann::json config = nlohmann::json::object();  // keys applied over the file's
  std::vector<std::string> overrides;               // "key=value", applied last
  bool resume = false;
  std::function<void(const nlohmann::ordered_json&)> on_metrics;
  const std::atomic<bool>* stop = nullptr;
  // A server's job: output_dir must stay inside these, checked again before each write.
  std::vector<std::string> write_roots;
  // `model` may be a Hub id (ORG/NAME[@REV]): taken from the cache, or downloaded first when
  // `download` is set (progress as the Hub download reports it).
  bool download = false;
  HubProgress on_download;
  // Launched distributed (torchrun's RANK, WORLD_SIZE... set): seconds a collective or the
  // rendezvous may wait for the other ranks.
  int64_t dist_timeout_seconds = 300;
};
// {"steps", "train_loss", "eval_loss", "stop_reason", "output_dir", "last_checkpoint",
//  "changed_keys" (on resume), "data": {...}}
nlohmann::json train(const TrainRequest& req);
// The resolved configuration (defaults filled in), without training: for --dry-run and MCP. Every
// key is checked here, and against the model's config.json when it is there (seq_len within the
// context), before anything is loaded.
nlohmann::json resolve_train_config(const TrainRequest& req);
// The keys as given (file, then inline keys, then overrides), before defaults and without
// validation: what a supervised job stores and runs again.
nlohmann::json merged_train_config(const TrainRequest& req);
// One training config key as the front ends show it (train --help, the MCP start_training schema).
struct ConfigKeyInfo {
  std::string name, type, help;  // type: int | number | bool | string | list | any
  std::string methods;           // "all", or the methods that read it
  std::string alias_of;          // "" unless another name of a key
  std::optional<double> min, max;
  bool min_exclusive = false, max_exclusive = false;
  std::vector<std::string> choices;
};
std::vector<ConfigKeyInfo> train_config_keys();
// The training methods `method:` accepts (full, and each PEFT method with its variants), in order.
std::vector<std::string> training_methods();
// YAML (or JSON) text read as config files are.
nlohmann::json parse_train_config_text(const std::string& text, const std::string& source);

struct MergeRequest {
  std::string model_dir, adapter_dir, out_dir;
  std::string dtype = "auto";  // of the written weights; auto = the base's
  // A quantized base: false = merge into it and re-quantize (rounds; warned); true = write a
  // dense folder (dequantized base + adapter, no re-quantization).
  bool dense = false;
  bool overwrite = false;  // replace a non-empty out_dir (never one of the inputs)
};
// Writes a complete HF model folder with the adapter merged in. {"path", "modules_merged", ...}
nlohmann::json merge_adapter(const MergeRequest& req);

struct QuantizeRequest {
  std::string model_dir, out_dir;
  std::string type = "nf4";  // nf4 | fp4 | int8
  int64_t blocksize = 64;
  bool double_quant = false;
  std::string compute_dtype = "float32";  // recorded as bnb_4bit_compute_dtype
  bool overwrite = false;                 // replace a non-empty out_dir (never the input)
};
// Quantizes the decoder layers' linear weights while loading, one tensor at a time, and writes a
// bitsandbytes-layout folder. {"path", "modules_quantized", "dense_bytes", "quantized_bytes", ...}
nlohmann::json quantize_model(const QuantizeRequest& req);

struct EvalRequest {
  std::string model_dir, adapter_dir, data_path;
  int64_t batch_size = 8;
  int64_t seq_len = 2048;
  std::string chat_template;
  int64_t max_new_tokens = 128;  // for tool-call exact match
  bool tool_calls = true;        // measure tool-call exact match when the data has tool calls
  std::string device = "auto";  // cpu | cuda | cuda:N | auto (the first GPU when there is one)
  // Called per tool-call case: {"index", "input", "expected", "generated", "calls", "match"}.
  std::function<void(const nlohmann::ordered_json&)> on_case;
  const std::atomic<bool>* stop = nullptr;  // checked between tool-call cases
};
// {"loss", "perplexity", "tokens", "examples", "tool_calls": {"cases", "exact_match", "accuracy"}}
nlohmann::json evaluate(const EvalRequest& req);

}  // namespace llmcp::engine
