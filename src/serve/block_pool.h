// The paged KV cache's bookkeeping (torch-free): a fixed number of blocks of `block_size` token
// slots, handed to sequences and reference-counted, so that sequences starting with the same
// tokens (a system prompt, a tool list) share the blocks holding them. A full block is published
// under its content (its tokens and every token before them); a later sequence with that prefix
// takes the block instead of computing it again. Blocks nobody holds stay cached until a fresh
// block is needed (least recently released first), as vLLM's prefix cache does.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace llmcp::serve {

class BlockPool {
 public:
  BlockPool(int64_t num_blocks, int64_t block_size);

  int64_t block_size() const { return block_size_; }
  int64_t total_blocks() const { return static_cast<int64_t>(refs_.size()); }
  // Blocks no sequence holds (cached prefix blocks included: they are given away when needed).
  int64_t free_blocks() const { return free_count_; }
  int64_t used_blocks() const { return total_blocks() - free_count_; }

  // A block for new keys and values (reference count 1); nullopt when every block is held.
  std::optional<int64_t> allocate();
  void retain(int64_t block);
  // Drops one reference; a block nobody holds becomes free (kept as a cached prefix if published).
  void release(int64_t block);

  // The content key of a full block: its tokens chained after the key of the block before it
  // (0 for the first block).
  static uint64_t chain(uint64_t parent, const int64_t* tokens, int64_t n);
  // A published block holding exactly `tokens` after `parent`, retained for the caller; nullopt
  // when there is none.
  std::optional<int64_t> lookup(uint64_t parent, const std::vector<int64_t>& tokens);
  // `block` is full with `tokens` after `parent`: later sequences may share it.
  void publish(uint64_t parent, const std::vector<int64_t>& tokens, int64_t block);
  int64_t cached_prefix_blocks() const { return static_cast<int64_t>(by_key_.size()); }

 private:
  struct Content {
    uint64_t key = 0, parent = 0;
    std::vector<int64_t> tokens;
  };
  void forget(int64_t block);  // unpublishes a block about to be reused

  int64_t block_size_;
  std::vector<int64_t> refs_;
  std::vector<std::optional<Content>> content_;
  std::list<int64_t> free_;  // unpublished free blocks first, then cached ones, oldest release first
  std::vector<std::list<int64_t>::iterator> free_pos_;
  std::vector<bool> in_free_;
  int64_t free_count_ = 0;
  std::unordered_multimap<uint64_t, int64_t> by_key_;
};

}  // namespace llmcp::serve
