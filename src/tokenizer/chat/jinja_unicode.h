// The few Unicode facts Python's str methods depend on (UTF-8 code points, whitespace, printable,
// case mapping), so that filters, len() and repr() in chat templates agree with CPython on
// non-ASCII text. Invalid UTF-8 bytes survive a decode/encode round trip (Python's surrogateescape).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace llmcp::tokenizer::chat::jinja {

std::u32string utf8_decode(std::string_view s);
std::string utf8_encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t cp);
size_t utf8_length(std::string_view s);  // in code points, as Python's len(str)

bool is_space(char32_t c);      // str.isspace()
bool is_printable(char32_t c);  // str.isprintable(), as repr() uses it
bool is_upper(char32_t c);      // a cased upper-case (or title-case) letter
bool is_lower(char32_t c);      // a cased lower-case letter
bool is_alpha(char32_t c);
bool is_digit(char32_t c);

// Full case mapping as Python's str.upper()/lower() (multi-character results included).
void append_upper(std::u32string& out, char32_t c);
void append_lower(std::u32string& out, char32_t c);
std::string to_upper(std::string_view s);
std::string to_lower(std::string_view s);

// Python's str.strip()/lstrip()/rstrip() with no argument (Unicode whitespace) or with `chars`.
enum class StripSide { kBoth, kLeft, kRight };
std::string strip(std::string_view s, StripSide side);
std::string strip_chars(std::string_view s, std::string_view chars, StripSide side);

}  // namespace llmcp::tokenizer::chat::jinja
