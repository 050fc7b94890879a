// Added tokens (tokenizer.json "added_tokens"): special and user-added strings that are cut out
// of the text before normalization/pre-tokenization and map straight to their ids. Matching is
// leftmost-longest over a byte trie, with HF's lstrip / rstrip / single_word rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/bpe_model.h"
#include "tokenizer/json_util.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/regex.h"

namespace llmcp::tokenizer {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false, lstrip = false, rstrip = false, single_word = false, normalized = false;
};

// A stretch of the input: plain text (id < 0) or one added token.
struct Segment {
  std::string text;
  int32_t id = -1;
  bool at_start = false;
};

class AddedVocabulary {
 public:
  // `normalizer` (may be null) turns the content of normalized tokens into their match patterns.
  AddedVocabulary(const Json& added_tokens, const Normalizer* normalizer);

  // Cuts the text segments of `in` around tokens of one set: those with normalized=false (matched
  // on raw text) or normalized=true (matched on normalized text). Token segments pass through.
  std::vector<Segment> split(std::vector<Segment> in, bool normalized_set) const;

  std::optional<int32_t> token_to_id(std::string_view content) const;
  const AddedToken* by_id(int32_t id) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  // Byte trie of the patterns of one set; terminal nodes store an index into tokens_.
  struct Trie {
    std::vector<std::unordered_map<unsigned char, int32_t>> children{1};
    std::vector<int32_t> token_at{-1};
    bool first_byte[256] = {};
    void insert(std::string_view pattern, int32_t token_index);
    // Longest pattern starting at `pos`: (token index, length) or (-1, 0).
    std::pair<int32_t, size_t> longest_at(std::string_view s, size_t pos) const;
  };
  void cut(const Segment& seg, const Trie& trie, std::vector<Segment>& out) const;
  bool is_word_char_before(std::string_view s, size_t pos) const;
  bool is_word_char_at(std::string_view s, size_t pos) const;

  std::vector<AddedToken> tokens_;
  TokenToId by_content_;
  std::unordered_map<int32_t, size_t> by_id_;
  Trie raw_, normalized_;
  Regex word_char_;
};

}  // namespace llmcp::tokenizer
