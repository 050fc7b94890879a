// Text generation from one prompt: prefill, then incremental decoding with the KV cache,
// sampling, EOS / stop-string / length stopping, and a streaming callback per text piece.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/sampler.h"
#include "model/decoder.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::infer {

struct GenerateOptions {
  int64_t max_new_tokens = 128;
  SamplingParams sampling;
  std::vector<int64_t> eos_ids;           // generation stops after producing one of these
  std::vector<std::string> stop_strings;  // output is cut before the first occurrence
  // Called with each new piece of text; return false to stop early ("cancelled").
  std::function<bool(const std::string&)> on_text;
};

struct GenerateResult {
  std::vector<int64_t> tokens;  // generated ids (EOS included when it ended generation)
  std::string text;             // generated text, stop string excluded
  std::string finish_reason;    // "eos" | "stop" | "length" | "cancelled"
  int64_t prompt_tokens = 0;
  double prefill_seconds = 0, decode_seconds = 0;
};

GenerateResult generate(const model::Decoder& model, const tokenizer::Tokenizer& tok,
                        const std::vector<int64_t>& prompt_ids, const GenerateOptions& opts);

}  // namespace llmcp::infer
