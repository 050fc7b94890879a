// Held-out evaluation: mean negative log-likelihood per target token and its perplexity.
#pragma once

#include <cstdint>
#include <vector>

#include "model/decoder.h"
#include "train/loss.h"

namespace llmcp::train {

struct EvalResult {
  double loss = 0;        // mean NLL per target token (nats)
  double perplexity = 0;  // exp(loss)
  int64_t tokens = 0;     // target tokens
};

EvalResult evaluate(const model::Decoder& decoder, const std::vector<Row>& rows, int64_t batch_size, int32_t pad_id);

}  // namespace llmcp::train
