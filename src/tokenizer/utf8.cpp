// UTF-8 validation and the lossy streaming decoder (see utf8.h). The accepted ranges follow the
// Unicode "well-formed UTF-8" table, so overlong forms and surrogates count as invalid.
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {
namespace {

constexpr const char* kReplacement = "\xEF\xBF\xBD";

// Allowed range for the second byte after `lead`; later continuation bytes are always 80..BF.
bool second_byte_ok(unsigned char lead, unsigned char b) {
  if (lead == 0xE0) return b >= 0xA0 && b <= 0xBF;
  if (lead == 0xED) return b >= 0x80 && b <= 0x9F;
  if (lead == 0xF0) return b >= 0x90 && b <= 0xBF;
  if (lead == 0xF4) return b >= 0x80 && b <= 0x8F;
  return b >= 0x80 && b <= 0xBF;
}

// Expected length for a valid lead byte, 0 for bytes that can never start a character.
size_t expected_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Length of the valid prefix of the sequence at `pos`: equals expected_length when complete.
size_t valid_prefix(std::string_view s, size_t pos, size_t need) {
  size_t k = 1;
  for (; k < need && pos + k < s.size(); ++k) {
    const auto b = static_cast<unsigned char>(s[pos + k]);
    const bool ok = k == 1 ? second_byte_ok(static_cast<unsigned char>(s[pos]), b)
                           : (b >= 0x80 && b <= 0xBF);
    if (!ok) break;
  }
  return k;
}

}  // namespace

size_t find_invalid_utf8(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t need = expected_length(static_cast<unsigned char>(s[pos]));
    if (need == 0 || valid_prefix(s, pos, need) != need) return pos;
    pos += need;
  }
  return std::string_view::npos;
}

size_t utf8_char_length(unsigned char lead) {
  const size_t n = expected_length(lead);
  return n == 0 ? 1 : n;
}

uint32_t next_code_point(std::string_view s, size_t& pos) {
  const auto lead = static_cast<unsigned char>(s[pos]);
  size_t n = utf8_char_length(lead);
  if (pos + n > s.size()) n = 1;
  uint32_t cp = n == 1 ? lead : n == 2 ? (lead & 0x1F) : n == 3 ? (lead & 0x0F) : (lead & 0x07);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[pos + k]) & 0x3F);
  pos += n;
  return cp;
}

void append_code_point(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_unicode_whitespace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000;
}

std::string Utf8Repairer::push(std::string_view bytes) {
  pending_.append(bytes);
  return decode(false);
}

std::string Utf8Repairer::finish() { return decode(true); }

std::string Utf8Repairer::decode(bool final) {
  std::string out;
  out.reserve(pending_.size());
  const std::string_view s = pending_;
  size_t pos = 0;
  while (pos < s.size()) {
    const size_t need = expected_length(static_cast<unsigned char>(s[pos]));
    if (need == 0) {
      out += kReplacement;
      ++pos;
      continue;
    }
    const size_t k = valid_prefix(s, pos, need);
    if (k == need) {
      out.append(s.substr(pos, need));
      pos += need;
    } else if (pos + k == s.size() && !final) {
      break;  // a valid but incomplete sequence at the end: wait for more bytes
    } else {
      out += kReplacement;  // the maximal invalid subpart becomes one replacement character
      pos += k;
    }
  }
  pending_.erase(0, pos);
  return out;
}

}  // namespace llmcp::tokenizer
