// The KV block bookkeeping: allocation until empty, reference counts, and the prefix cache
// (published blocks found by content, kept while free, given away last, verified by content).
#include <gtest/gtest.h>

#include "core/error.h"
#include "serve/block_pool.h"

namespace llmcp::serve {
namespace {

TEST(BlockPool, AllocatesUntilEmptyAndCountsReferences) {
  BlockPool pool(3, 4);
  auto a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(pool.allocate());
  EXPECT_EQ(pool.used_blocks(), 3);
  pool.retain(*a);
  pool.release(*a);
  EXPECT_EQ(pool.free_blocks(), 0);  // still held once
  pool.release(*a);
  EXPECT_EQ(pool.free_blocks(), 1);
  EXPECT_EQ(pool.allocate(), a);
  EXPECT_THROW(pool.release(99), core::Error);
  for (auto x : {a, b, c}) pool.release(*x);
  EXPECT_EQ(pool.used_blocks(), 0);
  EXPECT_THROW(pool.release(*a), core::Error);  // released more often than held
  EXPECT_THROW(BlockPool(0, 4), core::Error);
}

TEST(BlockPool, SharesPublishedPrefixBlocksByContent) {
  BlockPool pool(4, 2);
  const std::vector<int64_t> first{1, 2}, second{3, 4};
  auto a = *pool.allocate(), b = *pool.allocate();
  pool.publish(0, first, a);
  const uint64_t k1 = BlockPool::chain(0, first.data(), 2);
  pool.publish(k1, second, b);
  // Another sequence with the same two blocks finds them, held twice now.
  EXPECT_EQ(pool.lookup(0, first), a);
  EXPECT_EQ(pool.lookup(k1, second), b);
  // The same tokens after a different prefix are different content.
  EXPECT_FALSE(pool.lookup(0, second));
  EXPECT_FALSE(pool.lookup(BlockPool::chain(0, second.data(), 2), second));
  for (int i = 0; i < 2; ++i) {
    pool.release(a);
    pool.release(b);
  }
  EXPECT_EQ(pool.free_blocks(), 4);
  // Free but cached: still found; fresh blocks are given away before cached ones.
  EXPECT_EQ(pool.lookup(0, first), a);
  pool.release(a);
  auto c = *pool.allocate(), d = *pool.allocate();
  EXPECT_NE(c, a);
  EXPECT_NE(d, a);
  EXPECT_NE(c, b);
  EXPECT_NE(d, b);
  // Then the least recently released cached block (b, released before a's second release).
  EXPECT_EQ(pool.allocate(), b);
  EXPECT_FALSE(pool.lookup(k1, second));  // reused: no longer a cached prefix
  EXPECT_EQ(pool.lookup(0, first), a);
}

}  // namespace
}  // namespace llmcp::serve
