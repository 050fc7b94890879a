// Generated Unicode data (from CPython 3.11 / Unicode 14.0) that glibc's ctype functions do not
// provide: the code points str.isprintable() rejects, and str.upper()'s multi-character mappings.
#pragma once

#include <array>
#include <vector>

namespace llmcp::tokenizer::chat::jinja {

struct CodeRange {
  char32_t first;
  char32_t last;
};
struct SpecialUpper {
  char32_t cp;
  std::array<char32_t, 3> mapped;  // zero-padded
};

const std::vector<CodeRange>& non_printable_ranges();  // sorted, code points >= 0x80 only
const std::vector<SpecialUpper>& special_upper();      // sorted by cp

}  // namespace llmcp::tokenizer::chat::jinja
