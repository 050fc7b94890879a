// The serving engine of one model: requests from any thread join a running batch that one loop
// thread advances a step at a time (serve/scheduler.h decides each step's tokens, serve/paged_kv.h
// holds the keys and values, serve/adapter_rows.h applies each request's adapter to its rows).
// Each request samples with its own sampler, so its output does not depend on the rest of the
// batch. Callbacks run on the loop thread and must return quickly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "infer/sampler.h"
#include "infer/token_choice.h"
#include "model/decoder.h"
#include "peft/peft_model.h"

namespace llmcp::serve {

struct EngineOptions {
  int64_t kv_cache_bytes = 0;  // 0: a share of the memory free once the weights are loaded
  int64_t block_size = 16;     // token slots per KV block
  int64_t max_batch_tokens = 512;
  int64_t max_running = 64;
};

// A generated token, with its log-probabilities when the request asks for them.
using TokenEvent = infer::TokenLogprob;

struct Finished {
  std::string reason;  // eos | length | stopped (on_token returned false) | cancelled | error
  std::string error;   // for "error": what went wrong, for the user
  core::ErrorCode error_code = core::ErrorCode::kInternal;
  int64_t eos_token = -1;  // for "eos": the id that ended it
  int64_t prompt_tokens = 0, completion_tokens = 0;
  int64_t cached_tokens = 0;  // prompt tokens whose keys came from the prefix cache
  int64_t preemptions = 0;
};

struct Request {
  std::vector<int64_t> prompt;  // fits the model's context with max_new_tokens (the caller checks)
  int64_t max_new_tokens = 16;
  infer::SamplingParams sampling;
  std::vector<int64_t> eos_ids;  // the request ends after one (counted in completion_tokens)
  std::string adapter;           // attached with attach_adapter(); "" = the base model
  int64_t vocab_limit = 0;       // only ids below it are sampled (the tokenizer's); 0 = all
  int64_t top_logprobs = -1;  // -1: no log-probabilities; 0: the chosen token's; N: and the N best
  // Only tokens it accepts are picked; once complete the request ends ("eos", eos_token -1).
  std::optional<infer::TokenConstraint> constraint;
  std::function<bool(const TokenEvent&)> on_token;  // each token but an EOS; false ends it ("stopped")
  std::function<void(const Finished&)> on_finish;   // exactly once
};

struct EngineStats {
  int64_t running = 0, waiting = 0;
  int64_t kv_blocks_total = 0, kv_blocks_used = 0, block_size = 0, kv_cache_bytes = 0;
  int64_t prompt_tokens = 0, generation_tokens = 0, cached_prompt_tokens = 0;  // since start
  int64_t requests_finished = 0, requests_cancelled = 0, preemptions = 0, steps = 0;
  std::map<std::string, int64_t> running_by_adapter, finished_by_adapter;  // "" = the base
};

class BatchEngine {
 public:
  BatchEngine(model::Decoder& decoder, peft::PeftModel& peft, EngineOptions options);
  ~BatchEngine();  // running requests finish "cancelled"
  BatchEngine(const BatchEngine&) = delete;
  BatchEngine& operator=(const BatchEngine&) = delete;

  int64_t submit(Request r);  // thread-safe; returns the request's id
  void cancel(int64_t id);    // thread-safe; its blocks are freed at the next step
  // Adapters for requests, changed between steps (waiting for the current one). add_adapter runs
  // `load` (which puts `name` into the PEFT model; empty when it is there already) and serves it;
  // one that cannot be served per row is deleted again and refused. remove_adapter ends its
  // requests ("cancelled") and deletes it from the PEFT model.
  void add_adapter(const std::string& name, const std::function<void(peft::PeftModel&)>& load = {});
  void remove_adapter(const std::string& name);
  EngineStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The KV cache a model gets when EngineOptions::kv_cache_bytes is 0: a share of what its device
// has free (RAM on the CPU).
int64_t default_kv_cache_bytes(const at::Device& device);

}  // namespace llmcp::serve
