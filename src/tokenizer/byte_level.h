// GPT-2's reversible byte <-> printable-character table used by ByteLevel pre-tokenizers and
// decoders: every byte gets a visible Unicode character, so BPE works on strings without spaces
// or control bytes and any byte sequence round-trips.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace llmcp::tokenizer {

// The UTF-8 text of the character standing for byte b.
const std::array<std::string, 256>& byte_to_unicode();

// The byte a character stands for, or -1 when the code point is not in the table.
int unicode_to_byte(uint32_t cp);

// Maps every byte of `text` to its character.
std::string bytes_to_byte_level(std::string_view text);

// Inverse of bytes_to_byte_level for one token; returns false (and leaves `out` untouched) when
// the token holds a character outside the table.
bool byte_level_to_bytes(std::string_view token, std::string& out);

// GPT-2's pre-tokenization pattern (the ByteLevel pre-tokenizer's use_regex).
inline constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

}  // namespace llmcp::tokenizer
