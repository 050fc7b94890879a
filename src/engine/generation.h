// Internal to the engine (includes model headers): one generation call on an already loaded
// model, shared by engine::generate (loads per call) and Serving (keeps models loaded).
#pragma once

#include <atomic>

#include "engine/engine.h"
#include "infer/generate.h"
#include "model/decoder.h"
#include "tokenizer/tokenizer.h"

namespace llmcp::engine {

// The prompt's ids and infer's options for `req` (generation_config.json defaults from
// req.model_dir, EOS ids, stop strings; `stop` and `on_text` folded into options.on_text).
struct PreparedGeneration {
  std::vector<int64_t> ids;
  infer::GenerateOptions options;
};
PreparedGeneration prepare_generation(const model::DecoderConfig& config, const tokenizer::Tokenizer& tok,
                                      const GenerateRequest& req, const std::atomic<bool>* stop,
                                      const std::function<bool(const std::string&)>& on_text,
                                      bool prompt_has_special_tokens);
GenerateResponse generation_response(const infer::GenerateResult& r, const tokenizer::Tokenizer& tok);

// `req.model_dir` supplies generation_config.json defaults. A rendered chat prompt already
// holds its special tokens (prompt_has_special_tokens: encode without adding BOS again).
GenerateResponse generate_with(const model::Decoder& decoder, const tokenizer::Tokenizer& tok,
                               const GenerateRequest& req, const std::atomic<bool>* stop,
                               const std::function<bool(const std::string&)>& on_text,
                               bool prompt_has_special_tokens = false);

}  // namespace llmcp::engine
