// HF's SplitDelimiterBehavior: how a piece of text is cut around the matches of a delimiter
// pattern. Shared by the Split, Digits, Punctuation and Metaspace pre-tokenizers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/regex.h"

namespace llmcp::tokenizer {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Parses "Removed", "Isolated", ...; unknown names throw kUnsupported.
SplitBehavior parse_split_behavior(const std::string& name);

// Byte ranges of the non-empty pieces of a text of `size` bytes, given its delimiter matches.
// With `invert`, matches and the text between them swap roles (HF's Split.invert).
std::vector<ByteRange> split_ranges(size_t size, const std::vector<ByteRange>& matches,
                                    SplitBehavior behavior, bool invert);

}  // namespace llmcp::tokenizer
