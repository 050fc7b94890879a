// generate_batched; see text_generation.h. The engine's callbacks fill a small channel; this
// thread decodes, matches stop strings, streams, and cancels the request when it is done early.
#include "serve/text_generation.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include "core/error.h"
#include "infer/stop_matcher.h"

namespace llmcp::serve {
namespace {

struct Channel {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<TokenEvent> tokens;
  std::optional<Finished> done;
};

}  // namespace

infer::GenerateResult generate_batched(BatchEngine& engine, const model::DecoderConfig& config,
                                       const tokenizer::Tokenizer& tok, const std::vector<int64_t>& all_prompt_ids,
                                       const infer::GenerateOptions& options, const std::string& adapter,
                                       const std::atomic<bool>* stop) {
  using clock = std::chrono::steady_clock;
  LLMCP_CHECK(!all_prompt_ids.empty(), kInvalidArgument, "the prompt is empty; give at least one token");
  LLMCP_CHECK(options.max_new_tokens >= 0, kInvalidArgument, "max_new_tokens must be >= 0");
  options.sampling.validate();
  const auto fit = infer::fit_context(static_cast<int64_t>(all_prompt_ids.size()), config.max_position, options);
  const std::vector<int64_t> prompt(all_prompt_ids.begin() + fit.first, all_prompt_ids.end());
  for (auto id : prompt)
    LLMCP_CHECK(id >= 0 && id < config.vocab_size, kInvalidArgument, "token id ", id, " is outside the vocabulary (",
                config.vocab_size, ")");

  auto ch = std::make_shared<Channel>();
  Request r;
  r.prompt = prompt;
  r.max_new_tokens = fit.max_new_tokens;
  r.sampling = options.sampling;
  r.eos_ids = options.eos_ids;
  r.adapter = adapter;
  r.vocab_limit = std::min<int64_t>(config.vocab_size, tok.vocab_size());  // ids past it have no text
  r.top_logprobs = options.logprobs;
  r.constraint = options.constraint;
  r.on_token = [ch](const TokenEvent& e) {
    std::lock_guard lock(ch->mu);
    ch->tokens.push_back(e);
    ch->cv.notify_all();
    return true;
  };
  r.on_finish = [ch](const Finished& f) {
    std::lock_guard lock(ch->mu);
    ch->done = f;
    ch->cv.notify_all();
  };

  infer::GenerateResult out;
  out.prompt_tokens = static_cast<int64_t>(prompt.size());
  out.truncated_tokens = fit.first;
  infer::StopMatcher stops(options.stop_strings);
  tokenizer::StreamDecoder stream(tok, /*skip_special_tokens=*/true);
  auto emit = [&](const std::string& s) { return s.empty() || !options.on_text || options.on_text(s); };
  const auto t0 = clock::now();
  std::optional<clock::time_point> first_token;
  const int64_t id = engine.submit(std::move(r));
  std::string ended;  // set when this side ends the request early: stop | cancelled
  std::optional<Finished> finished;
  while (!finished) {
    std::deque<TokenEvent> got;
    {
      std::unique_lock lock(ch->mu);
      ch->cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return !ch->tokens.empty() || ch->done; });
      got.swap(ch->tokens);
      if (got.empty() && ch->done) finished = ch->done;
    }
    if (ended.empty() && stop && stop->load()) {
      ended = "cancelled";
      engine.cancel(id);
    }
    for (const auto& event : got) {
      if (!ended.empty()) break;  // what the engine made after this side ended is dropped
      if (!first_token) first_token = clock::now();
      const int64_t token = event.token;
      out.tokens.push_back(token);
      if (options.logprobs >= 0) {
        out.logprobs.push_back(event);
        if (options.on_logprob) options.on_logprob(event);
      }
      if (!emit(stops.push(stream.push(static_cast<int32_t>(token))))) ended = "cancelled";
      else if (stops.stopped()) ended = "stop";
      if (!ended.empty()) engine.cancel(id);
    }
  }
  if (!ended.empty()) {
    out.finish_reason = ended;
  } else if (finished->reason == "error") {
    throw core::Error(finished->error_code, finished->error);
  } else {
    out.finish_reason = finished->reason == "eos" || finished->reason == "length" ? finished->reason : "cancelled";
    if (finished->eos_token >= 0) out.tokens.push_back(finished->eos_token);  // kept, as generate keeps it
  }
  if (out.finish_reason != "stop" && out.finish_reason != "cancelled") emit(stops.push(stream.flush()) + stops.flush());
  const auto t1 = first_token.value_or(clock::now());
  out.prefill_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.decode_seconds = std::chrono::duration<double>(clock::now() - t1).count();
  out.text = stops.text();
  return out;
}

}  // namespace llmcp::serve
