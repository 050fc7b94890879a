// The facade every front end (CLI, MCP server) uses: plain C++ types and JSON in and out, no
// torch headers, so front ends stay fast to build and easy to test. Errors are core::Error.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmcp::engine {

struct CreateModelRequest {
  std::string arch = "llama";  // a family of model_families(): llama | mistral | mixtral | falcon | falcon-rw
  std::string preset = "tiny";
  uint64_t seed = 0;
  std::string dtype = "float32";
  std::string out_dir;
  nlohmann::json overrides = nlohmann::json::object();  // config.json keys over the preset
  int tokenizer_vocab = 512;
  std::string tokenizer_corpus{};                // text file to train the tokenizer on; empty = built-in
  std::vector<std::string> special_tokens{};     // extra special added tokens (e.g. <|im_start|>)
  std::vector<std::string> added_tokens{};       // extra non-special added tokens (e.g. <tool_call>)
  std::string chat_template{};                   // .jinja file copied into the folder; empty = none
  bool overwrite = false;                        // replace a non-empty out_dir (else an error)
};
// Returns {"path", "architecture", "parameters", ...}.
nlohmann::json create_model(const CreateModelRequest& req);
std::vector<std::string> model_presets();

// {"version", "commit", "libtorch", "cuda_build", "cuda_available"} (engine/build_info.cpp).
nlohmann::json build_info();
std::vector<std::string> model_families();  // from the architecture registry

// The support matrix, family x training method, computed from the architecture registry and each
// method's target planning on the family's tiny shape (engine/models.cpp):
// {"methods": [...], "families": [{"family", "architectures", "layout", "target_modules",
//  "default_target_modules", "methods": {"lora": {"supported", "trains" | "reason"}, ...}}]}
nlohmann::json support_matrix();

// {"architecture", "parameters", "dtype", "context_length", "layers", "hidden_size",
//  "weights_bytes", "kv_cache_bytes_per_token", "memory_bytes" (weights + KV cache for the full
//  context_length), all in the checkpoint's dtype}
nlohmann::json model_info(const std::string& model_dir);

// A generated token's log-probability (log-softmax of the model's raw logits) and the most likely
// tokens' at that step; texts are each id decoded alone.
struct TokenLogprob {
  std::string token;
  double logprob = 0;
  std::vector<std::pair<std::string, double>> top;  // highest first
};

// Unset sampling fields come from the model's generation_config.json, then HF's defaults
// (greedy unless the model's config says do_sample; top_k 50 when sampling).
struct GenerateRequest {
  std::string model_dir;
  std::string prompt;
  std::optional<int64_t> max_new_tokens;  // default 128
  std::optional<double> temperature;      // 0 = greedy
  std::optional<int64_t> top_k;
  std::optional<double> top_p, min_p, repetition_penalty;
  uint64_t seed = 0;
  std::vector<std::string> stop;
  std::string dtype = "auto";
  std::string device = "auto";  // cpu | cuda | cuda:N | auto (the first GPU when there is one)
  // A prompt longer than the model's context: an error (false) or keep its last tokens (true).
  // An explicit max_new_tokens that does not fit after the prompt is an error; the default is
  // shortened to fit.
  bool truncate = false;
  // How errors name the limit and the way to truncate, in the front end's words (the OpenAI API:
  // max_tokens, and "" as it has no truncation).
  std::string max_new_tokens_name = "max_new_tokens";
  std::string truncate_hint = "truncate: true; --truncate on the command line";
  bool ignore_eos = false;  // generate max_new_tokens whatever the model says (vLLM's ignore_eos, for benchmarks)
  std::string adapter_dir;  // a PEFT adapter applied on the base (empty: none)
  // -1: none; 0: each token's log-probability; N (<= 20): and the N most likely tokens'. Each is
  // passed to on_logprob before its text reaches the text callback, and kept in the response.
  int64_t logprobs = -1;
  std::function<void(const TokenLogprob&)> on_logprob;
};
struct GenerateResponse {
  std::string text;
  std::string finish_reason;
  int64_t prompt_tokens = 0, completion_tokens = 0;
  int64_t truncated_tokens = 0;  // dropped from the prompt's start (truncate)
  double prefill_tokens_per_second = 0, decode_tokens_per_second = 0;
  std::vector<TokenLogprob> logprobs;  // per generated token but an EOS (req.logprobs >= 0)
};
GenerateResponse generate(const GenerateRequest& req, const std::function<bool(const std::string&)>& on_text = {});

}  // namespace llmcp::engine
