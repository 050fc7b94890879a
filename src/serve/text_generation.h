// One text generation through a model's batch engine, with infer::generate's contract: the same
// options (context fit, sampling, EOS, stop strings, streaming callback) and the same result, so a
// front end can switch between them. Tokens are turned into text on the calling thread (the
// callback may block on a client); the engine's loop only queues them.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "infer/generate.h"
#include "serve/batch_engine.h"

namespace llmcp::serve {

// `adapter` is attached to the engine ("" = the base). `stop` (may be null) cancels the request
// (finish "cancelled"), whether it is waiting or running.
infer::GenerateResult generate_batched(BatchEngine& engine, const model::DecoderConfig& config,
                                       const tokenizer::Tokenizer& tok, const std::vector<int64_t>& prompt_ids,
                                       const infer::GenerateOptions& opts, const std::string& adapter,
                                       const std::atomic<bool>* stop = nullptr);

}  // namespace llmcp::serve
