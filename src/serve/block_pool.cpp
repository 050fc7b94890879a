// Block bookkeeping for the paged KV cache; see block_pool.h. The free list holds never-published
// blocks at its front and cached prefix blocks behind them in release order, so allocate()
// gives away the least useful block first.
#include "serve/block_pool.h"

#include "core/error.h"

namespace llmcp::serve {

BlockPool::BlockPool(int64_t num_blocks, int64_t block_size)
    : block_size_(block_size),
      refs_(static_cast<size_t>(num_blocks), 0),
      content_(static_cast<size_t>(num_blocks)),
      free_pos_(static_cast<size_t>(num_blocks)),
      in_free_(static_cast<size_t>(num_blocks), true),
      free_count_(num_blocks) {
  LLMCP_CHECK(num_blocks > 0 && block_size > 0, kInvalidArgument, "a KV cache needs at least one block of one slot (got ",
              num_blocks, " blocks of ", block_size, ")");
  for (int64_t b = 0; b < num_blocks; ++b) free_pos_[static_cast<size_t>(b)] = free_.insert(free_.end(), b);
}

std::optional<int64_t> BlockPool::allocate() {
  if (free_.empty()) return std::nullopt;
  const int64_t b = free_.front();
  free_.pop_front();
  in_free_[static_cast<size_t>(b)] = false;
  --free_count_;
  forget(b);
  refs_[static_cast<size_t>(b)] = 1;
  return b;
}

void BlockPool::retain(int64_t block) {
  const auto i = static_cast<size_t>(block);
  LLMCP_CHECK(i < refs_.size(), kInternal, "block ", block, " is not in the pool");
  if (in_free_[i]) {
    free_.erase(free_pos_[i]);
    in_free_[i] = false;
    --free_count_;
  }
  ++refs_[i];
}

void BlockPool::release(int64_t block) {
  const auto i = static_cast<size_t>(block);
  LLMCP_CHECK(i < refs_.size() && refs_[i] > 0, kInternal, "block ", block, " released more often than held");
  if (--refs_[i] > 0) return;
  free_pos_[i] = content_[i] ? free_.insert(free_.end(), block) : free_.insert(free_.begin(), block);
  in_free_[i] = true;
  ++free_count_;
}

uint64_t BlockPool::chain(uint64_t parent, const int64_t* tokens, int64_t n) {
  uint64_t h = parent ^ 0x9e3779b97f4a7c15ULL;  // FNV-1a style mixing, per token
  for (int64_t i = 0; i < n; ++i) {
    h ^= static_cast<uint64_t>(tokens[i]) + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0x100000001b3ULL;
  }
  return h == 0 ? 1 : h;
}

std::optional<int64_t> BlockPool::lookup(uint64_t parent, const std::vector<int64_t>& tokens) {
  const uint64_t key = chain(parent, tokens.data(), static_cast<int64_t>(tokens.size()));
  auto [lo, hi] = by_key_.equal_range(key);
  for (auto it = lo; it != hi; ++it) {
    const auto& c = content_[static_cast<size_t>(it->second)];
    if (c && c->parent == parent && c->tokens == tokens) {  // the key is a hash: the content decides
      retain(it->second);
      return it->second;
    }
  }
  return std::nullopt;
}

void BlockPool::publish(uint64_t parent, const std::vector<int64_t>& tokens, int64_t block) {
  const auto i = static_cast<size_t>(block);
  LLMCP_CHECK(i < refs_.size() && refs_[i] > 0, kInternal, "block ", block, " is published but not held");
  LLMCP_CHECK(static_cast<int64_t>(tokens.size()) == block_size_, kInternal, "only full blocks are published");
  if (content_[i]) return;
  const uint64_t key = chain(parent, tokens.data(), block_size_);
  content_[i] = Content{key, parent, tokens};
  by_key_.emplace(key, block);
}

void BlockPool::forget(int64_t block) {
  auto& c = content_[static_cast<size_t>(block)];
  if (!c) return;
  auto [lo, hi] = by_key_.equal_range(c->key);
  for (auto it = lo; it != hi; ++it)
    if (it->second == block) {
      by_key_.erase(it);
      break;
    }
  c.reset();
}

}  // namespace llmcp::serve
