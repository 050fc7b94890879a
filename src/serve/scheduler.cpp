// The step planner; see scheduler.h.
#include "serve/scheduler.h"

#include <algorithm>

#include "core/error.h"

namespace llmcp::serve {

Scheduler::Scheduler(BlockPool& pool, SchedulerOptions options) : pool_(pool), opt_(options) {
  LLMCP_CHECK(opt_.max_batch_tokens >= 1 && opt_.max_running >= 1, kInvalidArgument,
              "a step needs room for one token of one sequence (max_batch_tokens ", opt_.max_batch_tokens,
              ", max_running ", opt_.max_running, ")");
}

int64_t Scheduler::blocks_for(int64_t tokens) const { return (tokens + pool_.block_size() - 1) / pool_.block_size(); }

void Scheduler::add(Sequence* s) {
  LLMCP_CHECK(!s->tokens.empty(), kInvalidArgument, "a request needs at least one prompt token");
  const int64_t need = blocks_for(std::max<int64_t>(s->max_tokens, static_cast<int64_t>(s->tokens.size())));
  LLMCP_CHECK(need <= pool_.total_blocks(), kInvalidArgument, "the request needs ", need * pool_.block_size(),
              " KV cache slots (prompt plus max_tokens) but the cache holds ", pool_.total_blocks() * pool_.block_size(),
              "; lower max_tokens or give the cache more memory (--kv-cache-gb)");
  waiting_.push_back(s);
}

bool Scheduler::grow(Sequence& s, int64_t upto) {
  while (static_cast<int64_t>(s.blocks.size()) * pool_.block_size() < upto) {
    auto b = pool_.allocate();
    if (!b) return false;
    s.blocks.push_back(*b);
  }
  return true;
}

void Scheduler::release_blocks(Sequence& s) {
  for (auto b : s.blocks) pool_.release(b);
  s.blocks.clear();
  s.computed = 0;
  s.published = 0;
  s.chain_key = 0;
}

void Scheduler::take_cached_prefix(Sequence& s) {
  const int64_t B = pool_.block_size();
  // At least the last token is computed: its logits give the next token.
  const int64_t full = (static_cast<int64_t>(s.tokens.size()) - 1) / B;
  while (s.published < full) {
    const auto first = s.tokens.begin() + s.published * B;
    const std::vector<int64_t> block(first, first + B);
    auto hit = pool_.lookup(s.chain_key, block);
    if (!hit) break;
    s.blocks.push_back(*hit);
    s.chain_key = BlockPool::chain(s.chain_key, block.data(), B);
    ++s.published;
  }
  s.computed = s.published * B;
  if (s.preemptions == 0) s.cached_tokens = s.computed;
}

Sequence* Scheduler::preempt_newest(StepPlan& plan) {
  Sequence* victim = running_.back();
  running_.pop_back();
  // Newer than every sequence scheduled so far (the loop goes oldest first), so it holds no item.
  release_blocks(*victim);
  ++victim->preemptions;
  waiting_.push_front(victim);
  plan.preempted.push_back(victim);
  return victim;
}

StepPlan Scheduler::schedule() {
  StepPlan plan;
  int64_t budget = opt_.max_batch_tokens;
  // Running sequences, oldest first: the next token, or the next chunk of a prompt.
  for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
    Sequence& s = *running_[i];
    const int64_t left = static_cast<int64_t>(s.tokens.size()) - s.computed;
    const int64_t count = std::min(left, budget);
    if (count <= 0) continue;
    bool preempted_self = false;
    while (!preempted_self && !grow(s, s.computed + count)) preempted_self = preempt_newest(plan) == &s;
    if (preempted_self) break;  // it was the newest: everything older is scheduled
    plan.items.push_back({&s, s.computed, count, s.computed + count == static_cast<int64_t>(s.tokens.size())});
    plan.tokens += count;
    budget -= count;
  }
  // Waiting sequences in order while the budget, the batch and the blocks allow.
  while (!waiting_.empty() && budget > 0 && static_cast<int64_t>(running_.size()) < opt_.max_running) {
    Sequence& s = *waiting_.front();
    if (std::any_of(plan.preempted.begin(), plan.preempted.end(), [&](const Sequence* p) { return p == &s; })) break;
    take_cached_prefix(s);
    const int64_t left = static_cast<int64_t>(s.tokens.size()) - s.computed;
    const int64_t count = std::min(left, budget);
    if (!grow(s, s.computed + count)) {
      release_blocks(s);
      break;
    }
    waiting_.pop_front();
    running_.push_back(&s);
    plan.items.push_back({&s, s.computed, count, s.computed + count == static_cast<int64_t>(s.tokens.size())});
    plan.tokens += count;
    budget -= count;
  }
  return plan;
}

void Scheduler::committed(const StepPlan& plan) {
  const int64_t B = pool_.block_size();
  for (const auto& item : plan.items) {
    Sequence& s = *item.seq;
    s.computed = item.start + item.count;
    while ((s.published + 1) * B <= s.computed) {
      const auto first = s.tokens.begin() + s.published * B;
      const std::vector<int64_t> block(first, first + B);
      pool_.publish(s.chain_key, block, s.blocks[static_cast<size_t>(s.published)]);
      s.chain_key = BlockPool::chain(s.chain_key, block.data(), B);
      ++s.published;
    }
  }
}

void Scheduler::remove(Sequence* s) {
  running_.erase(std::remove(running_.begin(), running_.end(), s), running_.end());
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), s), waiting_.end());
  release_blocks(*s);
}

}  // namespace llmcp::serve
