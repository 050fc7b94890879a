// The decode loop. Inference mode keeps autograd out of the way.
#include "infer/generate.h"

#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "infer/stop_matcher.h"
#include "model/kv_cache.h"

namespace llmcp::infer {

ContextFit fit_context(int64_t n, int64_t context, const GenerateOptions& opts) {
  ContextFit f{0, opts.max_new_tokens};
  if (context <= 0) return f;  // a config without max_position_embeddings: nothing to check
  if (opts.truncate_prompt) {
    f.max_new_tokens = std::min(f.max_new_tokens, context - 1);
    f.first = std::max<int64_t>(0, n - (context - f.max_new_tokens));
    return f;
  }
  LLMCP_CHECK(n < context, kInvalidArgument, "the prompt has ", n, " tokens, but the model's context is ", context,
              " tokens (max_position_embeddings); shorten the prompt",
              opts.truncate_hint.empty() ? "" : ", or allow truncation (" + opts.truncate_hint + ") to keep its last tokens");
  if (!opts.max_new_tokens_given) {
    f.max_new_tokens = std::min(f.max_new_tokens, context - n);
    return f;
  }
  LLMCP_CHECK(n + opts.max_new_tokens <= context, kInvalidArgument, "the prompt's ", n, " tokens plus ",
              opts.max_new_tokens_name, " ", opts.max_new_tokens, " exceed the model's context of ", context,
              " tokens (max_position_embeddings); lower ", opts.max_new_tokens_name, " to at most ", context - n,
              " or shorten the prompt");
  return f;
}

GenerateResult generate(const model::Decoder& model, const tokenizer::Tokenizer& tok,
                        const std::vector<int64_t>& all_prompt_ids, const GenerateOptions& options) {
  LLMCP_CHECK(!all_prompt_ids.empty(), kInvalidArgument, "the prompt is empty; give at least one token");
  LLMCP_CHECK(options.max_new_tokens >= 0, kInvalidArgument, "max_new_tokens must be >= 0");
  const auto fit = fit_context(static_cast<int64_t>(all_prompt_ids.size()), model.config().max_position, options);
  GenerateOptions opts = options;
  opts.max_new_tokens = fit.max_new_tokens;
  const std::vector<int64_t> prompt_ids(all_prompt_ids.begin() + fit.first, all_prompt_ids.end());
  const int64_t V = model.config().vocab_size;
  for (auto id : prompt_ids)
    LLMCP_CHECK(id >= 0 && id < V, kInvalidArgument, "token id ", id, " is outside the vocabulary (", V, ")");
  at::NoGradGuard no_grad;
  using clock = std::chrono::steady_clock;

  GenerateResult r;
  r.prompt_tokens = static_cast<int64_t>(prompt_ids.size());
  r.truncated_tokens = fit.first;
  r.finish_reason = "length";
  Sampler sampler(opts.sampling);
  StopMatcher stops(opts.stop_strings);
  tokenizer::StreamDecoder stream(tok, /*skip_special_tokens=*/true);
  model::KvCache cache(model.config().num_layers);
  std::vector<int64_t> history = prompt_ids;
  auto emit = [&](const std::string& s) { return s.empty() || !opts.on_text || opts.on_text(s); };

  auto t0 = clock::now();
  auto input = at::tensor(prompt_ids, at::kLong).view({1, -1});
  at::Tensor logits = model.forward(input, {}, &cache, model::LogitsFor::kLast);  // [1,1,V]
  LLMCP_CHECK(at::isfinite(logits).all().item<bool>(), kMalformedFile,
              "the model's output is not a number (NaN or infinite) for this prompt: its weights hold NaN or "
              "infinite values, or overflow in this dtype (try dtype float32); check the checkpoint");
  // Ids past the tokenizer's vocabulary (padded embedding rows) have no text: never pick them.
  const int64_t text_vocab = std::min<int64_t>(V, tok.vocab_size());
  std::optional<TokenConstraint> constraint = opts.constraint;
  auto pick = [&] {
    const at::Tensor row = logits[0][0].narrow(0, 0, text_vocab);
    const int64_t left = opts.max_new_tokens - static_cast<int64_t>(r.tokens.size());
    return sampler.next(constraint ? constraint->mask(row, left) : row, history);
  };
  // The first pick copies the logits to the host, so prefill time is complete on a GPU too.
  int64_t next = opts.max_new_tokens > 0 ? pick() : 0;
  r.prefill_seconds = std::chrono::duration<double>(clock::now() - t0).count();
  auto t1 = clock::now();
  for (int64_t step = 0; step < opts.max_new_tokens; ++step) {
    if (step > 0) next = pick();
    r.tokens.push_back(next);
    history.push_back(next);
    if (std::find(opts.eos_ids.begin(), opts.eos_ids.end(), next) != opts.eos_ids.end()) {
      r.finish_reason = "eos";
      break;
    }
    if (opts.logprobs >= 0) {
      r.logprobs.push_back(token_logprob(logits[0][0].narrow(0, 0, text_vocab), next, opts.logprobs));
      if (opts.on_logprob) opts.on_logprob(r.logprobs.back());
    }
    if (constraint) constraint->advance(next);
    if (!emit(stops.push(stream.push(static_cast<int32_t>(next))))) {
      r.finish_reason = "cancelled";
      break;
    }
    if (constraint && constraint->complete()) {
      r.finish_reason = "eos";
      break;
    }
    if (stops.stopped()) {
      r.finish_reason = "stop";
      break;
    }
    if (step + 1 == opts.max_new_tokens) break;
    logits = model.forward(at::tensor({next}, at::kLong).view({1, 1}), {}, &cache, model::LogitsFor::kLast);
  }
  if (r.finish_reason != "stop" && r.finish_reason != "cancelled") emit(stops.push(stream.flush()) + stops.flush());
  r.decode_seconds = std::chrono::duration<double>(clock::now() - t1).count();
  r.text = stops.text();
  return r;
}

}  // namespace llmcp::infer
