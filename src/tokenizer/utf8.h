// UTF-8 helpers shared by the tokenizer: validation, code point walking, and a lossy decoder that
// replaces invalid bytes exactly like Rust's String::from_utf8_lossy (one U+FFFD per maximal invalid
// subpart), in a streaming form so the incremental detokenizer and decode() agree byte for byte.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmcp::tokenizer {

// Offset of the first invalid byte, or npos when `s` is valid UTF-8.
size_t find_invalid_utf8(std::string_view s);

// Byte length of the UTF-8 character starting with `lead` (1 for stray bytes, so loops advance).
size_t utf8_char_length(unsigned char lead);

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
uint32_t next_code_point(std::string_view s, size_t& pos);

void append_code_point(std::string& out, uint32_t cp);

// Rust's char::is_whitespace (Unicode White_Space property).
bool is_unicode_whitespace(uint32_t cp);

// Turns a byte stream into valid UTF-8. push() returns the text that is final and keeps back a
// trailing sequence that may still complete; finish() flushes it (as U+FFFD if incomplete).
class Utf8Repairer {
 public:
  std::string push(std::string_view bytes);
  std::string finish();
  bool has_pending() const { return !pending_.empty(); }

 private:
  std::string decode(bool final);
  std::string pending_;
};

}  // namespace llmcp::tokenizer
