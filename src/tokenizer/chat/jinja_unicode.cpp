// UTF-8 coding and Python-compatible character classes for the chat template interpreter. Case
// mapping uses glibc's C.UTF-8 tables plus Python's multi-character special cases (generated table).
#include "tokenizer/chat/jinja_unicode.h"

#include <locale.h>
#include <wctype.h>

#include <algorithm>

#include "tokenizer/chat/jinja_unicode_table.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

locale_t utf8_locale() {
  static const locale_t loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
  return loc;
}

char32_t simple_upper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  const locale_t loc = utf8_locale();
  return loc ? static_cast<char32_t>(towupper_l(static_cast<wint_t>(c), loc)) : c;
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const locale_t loc = utf8_locale();
  return loc ? static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), loc)) : c;
}

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
  if (cp >= 0xDC80 && cp <= 0xDCFF) {  // an undecodable byte kept by utf8_decode
    out.push_back(static_cast<char>(cp - 0xDC00));
  } else if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::u32string utf8_decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    int n = 0;
    char32_t cp = 0;
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      n = 1, cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2, cp = b & 0x0F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3, cp = b & 0x07;
    }
    bool ok = n > 0;
    for (int k = 1; ok && k <= n; ++k) {
      if (i + k >= s.size() || (static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) {
        ok = false;
      } else {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
    }
    if (ok && ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
               (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))) {
      ok = false;
    }
    if (ok) {
      out.push_back(cp);
      i += n + 1;
    } else {
      out.push_back(0xDC00 + b);
      ++i;
    }
  }
  return out;
}

std::string utf8_encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

size_t utf8_length(std::string_view s) {
  bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  return ascii ? s.size() : utf8_decode(s).size();
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool is_printable(char32_t c) {
  if (c < 0x80) return c >= 0x20 && c < 0x7F;
  const auto& table = non_printable_ranges();
  auto it = std::upper_bound(table.begin(), table.end(), c,
                             [](char32_t v, const CodeRange& r) { return v < r.first; });
  if (it == table.begin()) return true;
  --it;
  return c > it->last;
}

bool is_upper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  const locale_t loc = utf8_locale();
  return loc && iswupper_l(static_cast<wint_t>(c), loc);
}

bool is_lower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  const locale_t loc = utf8_locale();
  return loc && iswlower_l(static_cast<wint_t>(c), loc);
}

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c | 32) >= 'a' && (c | 32) <= 'z';
  const locale_t loc = utf8_locale();
  return loc && iswalpha_l(static_cast<wint_t>(c), loc);
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

void append_upper(std::u32string& out, char32_t c) {
  if (c >= 0x80) {
    const auto& specials = special_upper();
    auto it = std::lower_bound(specials.begin(), specials.end(), c,
                               [](const SpecialUpper& s, char32_t v) { return s.cp < v; });
    if (it != specials.end() && it->cp == c) {
      for (char32_t m : it->mapped) {
        if (m) out.push_back(m);
      }
      return;
    }
  }
  out.push_back(simple_upper(c));
}

void append_lower(std::u32string& out, char32_t c) {
  if (c == 0x130) {  // LATIN CAPITAL LETTER I WITH DOT ABOVE
    out.push_back('i');
    out.push_back(0x307);
    return;
  }
  out.push_back(simple_lower(c));
}

std::string to_upper(std::string_view s) {
  std::u32string out;
  for (char32_t c : utf8_decode(s)) append_upper(out, c);
  return utf8_encode(out);
}

std::string to_lower(std::string_view s) {
  const std::u32string in = utf8_decode(s);
  std::u32string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == 0x3A3) {  // Greek capital sigma: final form at the end of a word, as Python
      const bool after_letter = i > 0 && (is_upper(in[i - 1]) || is_lower(in[i - 1]));
      const bool before_letter = i + 1 < in.size() && (is_upper(in[i + 1]) || is_lower(in[i + 1]));
      out.push_back(after_letter && !before_letter ? 0x3C2 : 0x3C3);
      continue;
    }
    append_lower(out, in[i]);
  }
  return utf8_encode(out);
}

std::string strip(std::string_view s, StripSide side) {
  const std::u32string in = utf8_decode(s);
  size_t b = 0, e = in.size();
  if (side != StripSide::kRight) {
    while (b < e && is_space(in[b])) ++b;
  }
  if (side != StripSide::kLeft) {
    while (e > b && is_space(in[e - 1])) --e;
  }
  return utf8_encode(std::u32string_view(in).substr(b, e - b));
}

std::string strip_chars(std::string_view s, std::string_view chars, StripSide side) {
  const std::u32string in = utf8_decode(s);
  const std::u32string set = utf8_decode(chars);
  auto member = [&](char32_t c) { return set.find(c) != std::u32string::npos; };
  size_t b = 0, e = in.size();
  if (side != StripSide::kRight) {
    while (b < e && member(in[b])) ++b;
  }
  if (side != StripSide::kLeft) {
    while (e > b && member(in[e - 1])) --e;
  }
  return utf8_encode(std::u32string_view(in).substr(b, e - b));
}

}  // namespace llmcp::tokenizer::chat::jinja
