// The byte-level alphabet (see byte_level.h): printable Latin-1 bytes map to themselves, the other
// 68 bytes to U+0100.. in byte order, exactly as GPT-2's bytes_to_unicode().
#include "tokenizer/byte_level.h"

#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {
namespace {

bool maps_to_itself(int b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }

struct Tables {
  std::array<std::string, 256> to_char;
  std::array<int, 324> to_byte;  // code points 0..323 cover the whole table
  Tables() {
    to_byte.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const uint32_t cp = maps_to_itself(b) ? static_cast<uint32_t>(b) : next++;
      append_code_point(to_char[b], cp);
      to_byte[cp] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

const std::array<std::string, 256>& byte_to_unicode() { return tables().to_char; }

int unicode_to_byte(uint32_t cp) { return cp < 324 ? tables().to_byte[cp] : -1; }

std::string bytes_to_byte_level(std::string_view text) {
  const auto& map = tables().to_char;
  std::string out;
  out.reserve(text.size() * 2);
  for (const char c : text) out += map[static_cast<unsigned char>(c)];
  return out;
}

bool byte_level_to_bytes(std::string_view token, std::string& out) {
  std::string bytes;
  bytes.reserve(token.size());
  size_t pos = 0;
  while (pos < token.size()) {
    const int b = unicode_to_byte(next_code_point(token, pos));
    if (b < 0) return false;
    bytes += static_cast<char>(b);
  }
  out += bytes;
  return true;
}

}  // namespace llmcp::tokenizer
