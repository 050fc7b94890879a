// The iteration-level scheduler (torch-free): which tokens of which sequences the next step
// computes. Every step, running sequences (oldest first) get their next token, or the next chunk
// of a prompt, then waiting ones are admitted in arrival order while the step's token budget and
// the KV blocks allow (chunked prefill interleaved with decode, as vLLM's scheduler does). When a
// running sequence needs a block and none is free, the newest running sequence is preempted: its
// blocks are released and it waits again, to be recomputed (prompt and generated tokens) later.
// A prompt's leading full blocks are taken from the prefix cache when another sequence computed
// the same tokens.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "serve/block_pool.h"

namespace llmcp::serve {

struct SchedulerOptions {
  int64_t max_batch_tokens = 512;  // tokens one step computes at most (prefill chunks included)
  int64_t max_running = 64;        // sequences in the running batch at most
};

// One request's tokens and cache state; the engine loop owns it, the scheduler points at it.
struct Sequence {
  int64_t id = 0;
  std::vector<int64_t> tokens;  // the prompt, then each generated token
  int64_t max_tokens = 0;       // prompt + generation at most (what its blocks may reach)
  int64_t computed = 0;         // leading tokens whose keys and values are in the cache
  std::vector<int64_t> blocks;  // block table: token t lives in slot blocks[t / B] * B + t % B
  int64_t published = 0;        // leading blocks published to the prefix cache
  uint64_t chain_key = 0;       // content key of the last published block
  int64_t cached_tokens = 0;    // prompt tokens taken from the prefix cache at admission
  int64_t preemptions = 0;
};

struct StepItem {
  Sequence* seq = nullptr;
  int64_t start = 0, count = 0;  // tokens [start, start + count) are computed this step
  bool samples = false;          // the last of them is the sequence's last: a token is sampled
};

struct StepPlan {
  std::vector<StepItem> items;
  std::vector<Sequence*> preempted;  // sent back to waiting this step
  int64_t tokens = 0;
};

class Scheduler {
 public:
  Scheduler(BlockPool& pool, SchedulerOptions options);

  // Blocks a sequence of `tokens` tokens needs; add() refuses one the whole cache cannot hold.
  int64_t blocks_for(int64_t tokens) const;
  void add(Sequence* s);  // waits for admission (kInvalidArgument when it can never fit)
  StepPlan schedule();
  // After the step ran: the computed counts advance and full blocks are published.
  void committed(const StepPlan& plan);
  // Finished or cancelled: leaves the scheduler and releases its blocks.
  void remove(Sequence* s);

  size_t running() const { return running_.size(); }
  size_t waiting() const { return waiting_.size(); }
  const BlockPool& pool() const { return pool_; }

 private:
  bool grow(Sequence& s, int64_t upto);  // blocks for tokens [0, upto); false when none are free
  void release_blocks(Sequence& s);
  void take_cached_prefix(Sequence& s);
  Sequence* preempt_newest(StepPlan& plan);  // the newest running sequence, back to waiting

  BlockPool& pool_;
  SchedulerOptions opt_;
  std::vector<Sequence*> running_;  // admission order
  std::deque<Sequence*> waiting_;
};

}  // namespace llmcp::serve
