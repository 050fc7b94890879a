// Models and adapters kept loaded for a long-running front end (the MCP server): generate and
// chat reuse them instead of reading weights per call. Adapters are registered by name against
// their base model and loaded into its adapter pool when a request needs them (at most
// ServingOptions::max_loaded_adapters at once); models are evicted least recently used beyond a
// memory budget (their adapters stay registered and come back when asked for).
// Plain types and JSON; no torch in this header.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace llmcp::engine {

struct ServingOptions {
  int64_t memory_budget_bytes = int64_t{8} << 30;  // weights of loaded models, adapters included
  std::string dtype = "auto";
  std::string device = "auto";  // cpu | cuda | cuda:N | auto (the first GPU when there is one)
  // Each loaded model's batch engine: its KV cache (0: a share of the free memory, at most 4 GiB
  // on the CPU), token slots per block, tokens per step, sequences per batch.
  int64_t kv_cache_bytes = 0;
  int64_t block_size = 16;
  int64_t max_batch_tokens = 512;
  int64_t max_running = 64;
  // Adapters loaded at once per model (vLLM's --max-loras; 0: no limit). Beyond it the least
  // recently used adapter no request is using is unloaded (it stays registered and is read again
  // from its folder when asked for); with all of them in use, a request waits for one to finish.
  int64_t max_loaded_adapters = 0;
};

// A loaded model's serving engine, for /metrics and the models listing.
struct EngineMetrics {
  std::string model;
  int64_t running = 0, waiting = 0;
  int64_t kv_blocks_total = 0, kv_blocks_used = 0, block_size = 0, kv_cache_bytes = 0;
  int64_t prompt_tokens = 0, generation_tokens = 0, cached_prompt_tokens = 0;
  int64_t requests_finished = 0, requests_cancelled = 0, preemptions = 0, steps = 0;
  std::map<std::string, int64_t> running_by_adapter, finished_by_adapter;  // "" = the base
  int64_t adapters_loaded = 0, adapters_max = 0, adapter_evictions = 0;  // the adapter pool
};

struct ChatRequest {
  GenerateRequest generation;     // model_dir and sampling; `prompt` is ignored
  std::string adapter;            // a registered adapter's name; "" = the base model
  nlohmann::ordered_json messages;  // OpenAI-shaped
  nlohmann::ordered_json tools;     // null: none
  // auto: the model decides; none: the tools are left out; required: the answer is one call to
  // one of the tools; function: one call to `tool_name`. The last two are decoded under a grammar
  // (the template's tool-call syntax, a JSON object of arguments), so they always parse.
  std::string tool_choice = "auto";
  std::string tool_name;
  std::function<bool(const std::string&)> on_text;  // each piece of generated text; false cancels
};

struct ChatResponse {
  std::string text;     // everything generated
  std::string content;  // the text outside tool calls
  nlohmann::ordered_json tool_calls = nlohmann::ordered_json::array();  // [{"name", "arguments"}]
  std::string tool_call_style;  // hermes | llama3_json | mistral | "" (template has no tool syntax)
  GenerateResponse generation;
};

class Serving {
 public:
  explicit Serving(ServingOptions options = {});
  // The device models are loaded on (ServingOptions::device): also what evaluations use.
  const std::string& device() const;
  ~Serving();
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  // Registers (and loads onto its base) a PEFT adapter folder under `name`. {"name", "path",
  // "base_model", "peft_type", "r", "use_dora", "target_modules", "parameters"}. A name in use
  // is an error unless it names the same folder (then it is reloaded).
  nlohmann::json load_adapter(const std::string& model_dir, const std::string& adapter_dir, const std::string& name);
  void unload_adapter(const std::string& name);
  nlohmann::json adapters() const;  // the registered adapters, each with its base and "loaded"
  nlohmann::json models() const;    // loaded models: {"path", "bytes", "adapters", "idle_seconds"}
  // Loads a model (and its registered adapters) now rather than at its first request.
  void preload(const std::string& model_dir);
  // The model folder an adapter was registered with.
  std::string adapter_model(const std::string& name) const;
  std::vector<EngineMetrics> metrics() const;  // one per loaded model

  // `adapter` "" = the base alone. `stop` (may be null) ends generation early ("cancelled").
  // Concurrent calls on one model are batched (continuous batching over a paged KV cache, each
  // request with its own adapter); each answer is what the request gives alone.
  GenerateResponse generate(const GenerateRequest& req, const std::string& adapter, const std::atomic<bool>* stop,
                            const std::function<bool(const std::string&)>& on_text = {});
  // Renders the conversation with the model's chat template (tools included), generates, and
  // parses tool calls in the template's style.
  ChatResponse chat(const ChatRequest& req, const std::atomic<bool>* stop);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace llmcp::engine
