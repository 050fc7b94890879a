// Text generation from one prompt: prefill, then incremental decoding with the KV cache,
// sampling, EOS / stop-string / length stopping, and a streaming callback per text piece.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infer/sampler.h"
#include "infer/token_choice.h"
#include "model/decoder.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::infer {

struct GenerateOptions {
  int64_t max_new_tokens = 128;
  // The model's context (max_position_embeddings) bounds prompt + generated tokens. A
  // max_new_tokens the caller chose that does not fit is an error naming both numbers; a default
  // one is shortened to what the context leaves.
  bool max_new_tokens_given = true;
  // A prompt that does not fit: an error (false), or only its last tokens are kept (true).
  bool truncate_prompt = false;
  // How those errors name the limit and the way to truncate, in the caller's words (the OpenAI
  // API says max_tokens and has no truncation: "").
  std::string max_new_tokens_name = "max_new_tokens";
  std::string truncate_hint = "truncate: true; --truncate on the command line";
  SamplingParams sampling;
  std::vector<int64_t> eos_ids;           // generation stops after producing one of these
  std::vector<std::string> stop_strings;  // output is cut before the first occurrence
  // Called with each new piece of text; return false to stop early ("cancelled").
  std::function<bool(const std::string&)> on_text;
  // -1: none; 0: each generated token's log-probability; N: and the N most likely ids'. Each one
  // is kept in the result and passed to on_logprob before its text reaches on_text.
  int64_t logprobs = -1;
  std::function<void(const TokenLogprob&)> on_logprob;
  // When set, only tokens it accepts are picked; once it is complete generation ends ("eos",
  // without an EOS token).
  std::optional<TokenConstraint> constraint;
};

struct GenerateResult {
  std::vector<int64_t> tokens;  // generated ids (EOS included when it ended generation)
  std::string text;             // generated text, stop string excluded
  std::string finish_reason;    // "eos" | "stop" | "length" | "cancelled"
  std::vector<TokenLogprob> logprobs;  // per generated token but an EOS (options.logprobs >= 0)
  int64_t prompt_tokens = 0;     // after truncation
  int64_t truncated_tokens = 0;  // dropped from the prompt's start (truncate_prompt)
  double prefill_seconds = 0, decode_seconds = 0;
};

// The prompt and the number of new tokens that fit the model's context under `opts`' policy;
// throws kInvalidArgument (naming the prompt length, max_new_tokens and the context) otherwise.
struct ContextFit {
  int64_t first = 0;           // index of the first prompt token kept
  int64_t max_new_tokens = 0;  // possibly shortened
};
ContextFit fit_context(int64_t prompt_tokens, int64_t context, const GenerateOptions& opts);

GenerateResult generate(const model::Decoder& model, const tokenizer::Tokenizer& tok,
                        const std::vector<int64_t>& prompt_ids, const GenerateOptions& opts);

}  // namespace llmcp::infer
