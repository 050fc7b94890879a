// What both generation paths (infer::generate at batch 1, serve's batch engine) do around the
// sampler, written once: log-probabilities of the picked token and of the best ones, and
// constrained decoding (only tokens a grammar accepts may be picked; a forced tool call).
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat/tool_call_grammar.h"

namespace llmcp::infer {

struct TokenLogprob {
  int64_t token = 0;
  double logprob = 0;                           // log-softmax of the model's raw logits
  std::vector<std::pair<int64_t, double>> top;  // the `top` most likely ids, highest first
};
// logits [V] as the model gave them (before temperature and the other processors, as vLLM reports).
TokenLogprob token_logprob(const at::Tensor& logits, int64_t token, int64_t top);

// A request's grammar over token ids. The grammar is the request's own (advanced as it goes);
// the texts are the tokenizer's (tokenizer::token_texts), shared.
struct TokenConstraint {
  std::shared_ptr<const std::vector<std::string>> texts;
  std::shared_ptr<tokenizer::chat::ToolCallGrammar> grammar;

  // logits [V] with -inf for every id whose text cannot come next, or after which the grammar
  // could not be completed in the `tokens_left` - 1 tokens that follow (so a call is always
  // closed before max_new_tokens). Throws kInternal when no id can come next.
  at::Tensor mask(const at::Tensor& logits, int64_t tokens_left) const;
  void advance(int64_t token);  // the picked id's text
  bool complete() const { return grammar->complete(); }
};

}  // namespace llmcp::infer
