// Split behaviors (see split.h), following tokenizers' NormalizedString::split step by step so
// corner cases (adjacent matches, leading matches) come out the same.
#include "tokenizer/split.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/json_util.h"

namespace llmcp::tokenizer {
namespace {

struct Span {
  size_t begin, end;
  bool is_match;
};

// The whole text as alternating spans, like tokenizers' Pattern::find_matches.
std::vector<Span> to_spans(size_t size, const std::vector<ByteRange>& matches) {
  std::vector<Span> spans;
  size_t prev = 0;
  for (const auto& [b, e] : matches) {
    if (prev != b) spans.push_back({prev, b, false});
    spans.push_back({b, e, true});
    prev = e;
  }
  if (prev != size || spans.empty()) spans.push_back({prev, size, false});
  return spans;
}

}  // namespace

SplitBehavior parse_split_behavior(const std::string& name) {
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  fail_unsupported("split behavior", name,
                   "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

std::vector<ByteRange> split_ranges(size_t size, const std::vector<ByteRange>& matches,
                                    SplitBehavior behavior, bool invert) {
  std::vector<Span> spans = to_spans(size, matches);
  if (invert) {
    for (auto& s : spans) s.is_match = !s.is_match;
  }
  std::vector<ByteRange> out;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::kRemoved:
      for (const auto& s : spans) {
        if (!s.is_match) out.emplace_back(s.begin, s.end);
      }
      break;
    case SplitBehavior::kIsolated:
      for (const auto& s : spans) out.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const auto& s : spans) {
        if (s.is_match && !previous_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !previous_match && !out.empty()) {
          out.back().first = it->begin;
        } else {
          out.emplace_back(it->begin, it->end);
        }
        previous_match = it->is_match;
      }
      std::reverse(out.begin(), out.end());
      break;
    case SplitBehavior::kContiguous:
      for (const auto& s : spans) {
        if (s.is_match == previous_match && !out.empty()) {
          out.back().second = s.end;
        } else {
          out.emplace_back(s.begin, s.end);
        }
        previous_match = s.is_match;
      }
      break;
  }
  std::erase_if(out, [](const ByteRange& r) { return r.first == r.second; });
  return out;
}

}  // namespace llmcp::tokenizer
