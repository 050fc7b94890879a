// The iteration-level scheduler without a model: decode before prefill, chunked prompts within
// the token budget, admission by free blocks, preemption of the newest sequence (recomputed
// later), prefix sharing, and every block back in the pool when sequences leave.
#include <gtest/gtest.h>

#include <numeric>

#include "core/error.h"
#include "serve/scheduler.h"

namespace llmcp::serve {
namespace {

Sequence seq(int64_t id, int64_t prompt, int64_t max_tokens, int64_t first_token = 100) {
  Sequence s;
  s.id = id;
  s.tokens.resize(static_cast<size_t>(prompt));
  std::iota(s.tokens.begin(), s.tokens.end(), first_token);
  s.max_tokens = max_tokens;
  return s;
}

// Runs a plan as the engine loop would: commits it and appends a token to each sampling item.
void run(Scheduler& sch, const StepPlan& plan) {
  sch.committed(plan);
  for (const auto& i : plan.items)
    if (i.samples) i.seq->tokens.push_back(7);
}

TEST(Scheduler, ChunksPromptsAndDecodesFirst) {
  BlockPool pool(64, 4);
  Scheduler sch(pool, {.max_batch_tokens = 8, .max_running = 8});
  auto a = seq(1, 10, 20), b = seq(2, 3, 20);
  sch.add(&a);
  auto p1 = sch.schedule();  // a's first chunk: 8 of 10
  ASSERT_EQ(p1.items.size(), 1u);
  EXPECT_EQ(p1.items[0].count, 8);
  EXPECT_FALSE(p1.items[0].samples);
  run(sch, p1);
  sch.add(&b);
  auto p2 = sch.schedule();  // a's last 2 (samples), then b's whole prompt
  ASSERT_EQ(p2.items.size(), 2u);
  EXPECT_EQ(p2.items[0].seq, &a);
  EXPECT_EQ(p2.items[0].start, 8);
  EXPECT_EQ(p2.items[0].count, 2);
  EXPECT_TRUE(p2.items[0].samples);
  EXPECT_EQ(p2.items[1].seq, &b);
  EXPECT_EQ(p2.items[1].count, 3);
  run(sch, p2);
  auto p3 = sch.schedule();  // one decode token each
  ASSERT_EQ(p3.items.size(), 2u);
  for (const auto& i : p3.items) {
    EXPECT_EQ(i.count, 1);
    EXPECT_TRUE(i.samples);
    EXPECT_EQ(i.start, static_cast<int64_t>(i.seq->tokens.size()) - 1);
  }
  run(sch, p3);
  sch.remove(&a);
  sch.remove(&b);
  EXPECT_EQ(pool.used_blocks(), 0);
  EXPECT_EQ(sch.running(), 0u);
}

TEST(Scheduler, PreemptsTheNewestAndRecomputesIt) {
  BlockPool pool(4, 2);  // 8 slots
  Scheduler sch(pool, {.max_batch_tokens = 64, .max_running = 8});
  auto a = seq(1, 3, 8), b = seq(2, 3, 8, 200);  // different prompts: nothing shared
  sch.add(&a);
  sch.add(&b);
  auto p = sch.schedule();  // 2 blocks each: the pool is full
  ASSERT_EQ(p.items.size(), 2u);
  run(sch, p);
  EXPECT_EQ(pool.free_blocks(), 0);
  p = sch.schedule();  // token 4 fits both blocks; token 5 needs a third block
  run(sch, p);
  p = sch.schedule();  // a needs a block: b (newest) is preempted
  ASSERT_EQ(p.preempted.size(), 1u);
  EXPECT_EQ(p.preempted[0], &b);
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].seq, &a);
  EXPECT_EQ(b.computed, 0);
  EXPECT_EQ(b.preemptions, 1);
  EXPECT_EQ(sch.waiting(), 1u);
  run(sch, p);
  // a finishes; b comes back and recomputes its prompt and generated tokens in one go (its first
  // block went to a, so its prefix cannot be taken from the cache).
  sch.remove(&a);
  p = sch.schedule();
  ASSERT_EQ(p.items.size(), 1u);
  EXPECT_EQ(p.items[0].seq, &b);
  EXPECT_EQ(p.items[0].start, 0);
  EXPECT_EQ(p.items[0].count, static_cast<int64_t>(b.tokens.size()));
  EXPECT_TRUE(p.items[0].samples);
  run(sch, p);
  sch.remove(&b);
  EXPECT_EQ(pool.used_blocks(), 0);
}

TEST(Scheduler, AdmitsOnlyWhatTheBlocksHold) {
  BlockPool pool(3, 2);
  Scheduler sch(pool, {.max_batch_tokens = 64, .max_running = 8});
  auto a = seq(1, 4, 6), b = seq(2, 4, 6);
  sch.add(&a);
  sch.add(&b);
  auto p = sch.schedule();
  ASSERT_EQ(p.items.size(), 1u);  // b's 2 blocks are not free
  EXPECT_EQ(sch.waiting(), 1u);
  auto too_long = seq(3, 7, 7);
  EXPECT_THROW(sch.add(&too_long), core::Error);  // 4 blocks: more than the cache
}

TEST(Scheduler, SharesAPromptPrefixComputedBefore) {
  BlockPool pool(16, 4);
  Scheduler sch(pool, {.max_batch_tokens = 64, .max_running = 8});
  auto a = seq(1, 10, 16), b = seq(2, 10, 16);  // same 10 tokens
  sch.add(&a);
  run(sch, sch.schedule());
  sch.add(&b);
  auto p = sch.schedule();
  ASSERT_EQ(p.items.size(), 2u);
  EXPECT_EQ(b.cached_tokens, 8);  // two full blocks shared; the last 2 tokens computed
  EXPECT_EQ(p.items[1].start, 8);
  EXPECT_EQ(p.items[1].count, 2);
  EXPECT_EQ(a.blocks[0], b.blocks[0]);
  EXPECT_EQ(a.blocks[1], b.blocks[1]);
  EXPECT_NE(a.blocks[2], b.blocks[2]);
  run(sch, p);
  sch.remove(&a);
  sch.remove(&b);
  EXPECT_EQ(pool.used_blocks(), 0);
}

}  // namespace
}  // namespace llmcp::serve
