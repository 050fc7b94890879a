// A small PCRE2 wrapper for the Unicode patterns in tokenizer.json (Split pre-tokenizers, GPT-2's
// ByteLevel pattern). PCRE2 with UTF + UCP matches Oniguruma (used by HF tokenizers) on \p{L},
// \p{N} and \s, which std::regex cannot express. Compiled once, shared read-only across threads.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace llmcp::tokenizer {

using ByteRange = std::pair<size_t, size_t>;  // [begin, end) byte offsets

class Regex {
 public:
  // Throws core::Error(kMalformedFile) naming `where` when the pattern does not compile.
  Regex(const std::string& pattern, std::string_view where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // All non-overlapping matches in `subject` (valid UTF-8), left to right. Empty matches are
  // reported too, as HF's tokenizers does; callers drop empty pieces.
  std::vector<ByteRange> find_all(std::string_view subject) const;

  // True when the pattern matches somewhere in `subject`.
  bool search(std::string_view subject) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

// Pattern text for a literal string (used for {"String": ...} patterns).
std::string escape_regex(std::string_view literal);

}  // namespace llmcp::tokenizer
