// jinja2's lexer, rule for rule: data up to the next `{{`, `{%` or `{#`; whitespace control by the
// tag's `-`/`+` sign, lstrip_blocks (only whitespace between a line start and a block or comment
// tag) and trim_blocks (one newline after `%}` / `#}`); then the tokens inside a tag, with brace
// balancing so `{{ {'a': {}} }}` closes at the right `}}`.
#include "tokenizer/chat/jinja_lexer.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  explicit Lexer(std::string_view source) {
    // Newlines normalised to \n and one trailing newline dropped (keep_trailing_newline=False).
    for (size_t i = 0; i < source.size(); ++i) {
      if (source[i] == '\r') {
        src_.push_back('\n');
        if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
      } else {
        src_.push_back(source[i]);
      }
    }
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();
    line_starts_.push_back(0);
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }

  std::vector<Token> run() {
    bool line_starting = true;
    size_t pos = 0;
    while (pos < src_.size()) {
      size_t tag = src_.find('{', pos);
      while (tag != std::string::npos && (tag + 1 >= src_.size() || std::string_view("{%#").find(src_[tag + 1]) == std::string_view::npos)) {
        tag = src_.find('{', tag + 1);
      }
      if (tag == std::string::npos) {
        emit_data(pos, src_.substr(pos));
        break;
      }
      const char kind = src_[tag + 1];
      const char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
      size_t raw_end = 0;
      const bool raw = kind == '%' && match_keyword_tag(tag, "raw", &raw_end, false);
      emit_data(pos, strip_before(src_.substr(pos, tag - pos), sign, kind != '{', line_starting));
      size_t after = tag + 2 + (sign ? 1 : 0);
      if (raw) {
        pos = lex_raw(raw_end);
      } else if (kind == '#') {
        pos = lex_comment(tag, after);
      } else {
        pos = lex_tag(tag, after, kind == '%');
      }
      line_starting = pos > 0 && src_[pos - 1] == '\n';
    }
    tokens_.push_back(Token{Tok::kEof, "", 0, 0, pos_of(src_.size())});
    return std::move(tokens_);
  }

 private:
  Pos pos_of(size_t offset) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - 1;
    const size_t start = *it;
    Pos p;
    p.line = static_cast<int>(it - line_starts_.begin()) + 1;
    p.column = static_cast<int>(utf8_length(std::string_view(src_).substr(start, offset - start))) + 1;
    return p;
  }

  void emit_data(size_t offset, std::string text) {
    if (!text.empty()) tokens_.push_back(Token{Tok::kData, std::move(text), 0, 0, pos_of(offset)});
  }

  // The whitespace a tag's `-` removes, or lstrip_blocks removes, from the data before it.
  static std::string strip_before(std::string text, char sign, bool is_block_or_comment, bool line_starting) {
    if (sign == '-') return strip(text, StripSide::kRight);
    if (sign == '+' || !is_block_or_comment) return text;
    const size_t nl = text.rfind('\n');
    const size_t l_pos = nl == std::string::npos ? 0 : nl + 1;
    if (l_pos == 0 && !line_starting) return text;
    const std::u32string tail = utf8_decode(std::string_view(text).substr(l_pos));
    if (!tail.empty() && std::all_of(tail.begin(), tail.end(), is_space)) text.resize(l_pos);
    return text;
  }

  // Length of the (Unicode) whitespace run at `at`.
  size_t whitespace_at(size_t at) const {
    size_t i = at;
    while (i < src_.size()) {
      const auto b = static_cast<unsigned char>(src_[i]);
      if (b < 0x80) {
        if (!is_space(b)) break;
        ++i;
        continue;
      }
      size_t n = 1;
      while (i + n < src_.size() && (static_cast<unsigned char>(src_[i + n]) & 0xC0) == 0x80 && n < 4) ++n;
      const std::u32string cp = utf8_decode(std::string_view(src_).substr(i, n));
      if (cp.size() != 1 || !is_space(cp[0])) break;
      i += n;
    }
    return i - at;
  }

  // Matches `{%[-+]? \s* <word> \s* (-%}\s* | +%} | %}\n?)` at `at`; `*end` = just past it. The raw
  // begin tag takes no trim_blocks newline; endraw does.
  bool match_keyword_tag(size_t at, std::string_view word, size_t* end, bool trim) const {
    size_t i = at + 2;
    if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
    i += whitespace_at(i);
    if (src_.compare(i, word.size(), word) != 0) return false;
    i += word.size();
    i += whitespace_at(i);
    if (src_.compare(i, 3, "-%}") == 0) {
      *end = i + 3 + whitespace_at(i + 3);
    } else if (trim && src_.compare(i, 3, "+%}") == 0) {
      *end = i + 3;
    } else if (src_.compare(i, 2, "%}") == 0) {
      *end = i + 2 + (trim && i + 2 < src_.size() && src_[i + 2] == '\n' ? 1 : 0);
    } else {
      return false;
    }
    return true;
  }

  size_t lex_raw(size_t body) {
    const bool starting = body > 0 && src_[body - 1] == '\n';  // lstrip sees the raw tag's own end
    for (size_t at = src_.find("{%", body); at != std::string::npos; at = src_.find("{%", at + 1)) {
      size_t end = 0;
      if (!match_keyword_tag(at, "endraw", &end, true)) continue;
      const char sign = src_[at + 2] == '-' || src_[at + 2] == '+' ? src_[at + 2] : 0;
      emit_data(body, strip_before(src_.substr(body, at - body), sign, true, starting));
      return end;
    }
    fail_at(pos_of(body), "Missing end of raw directive");
  }

  size_t lex_comment(size_t tag, size_t content) {
    const size_t close = src_.find("#}", content);
    if (close == std::string::npos) fail_at(pos_of(tag), "Missing end of comment tag");
    const char sign = close > content && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : 0;
    size_t end = close + 2;
    if (sign == '-') {
      end += whitespace_at(end);
    } else if (sign != '+' && end < src_.size() && src_[end] == '\n') {
      ++end;
    }
    return end;
  }

  size_t lex_tag(size_t tag, size_t i, bool block) {
    tokens_.push_back(Token{block ? Tok::kBlockBegin : Tok::kVarBegin, "", 0, 0, pos_of(tag)});
    std::vector<char> balance;
    while (true) {
      if (balance.empty()) {
        if (const size_t end = tag_end(i, block)) {
          tokens_.push_back(Token{block ? Tok::kBlockEnd : Tok::kVarEnd, "", 0, 0, pos_of(i)});
          return end;
        }
      }
      if (const size_t ws = whitespace_at(i)) {
        i += ws;
        continue;
      }
      if (i >= src_.size()) {
        fail_at(pos_of(i), std::string("unexpected end of template, expected '") + (block ? "%}" : "}}") + "'");
      }
      i = lex_token(i, balance);
    }
  }

  // Just past the tag's end (trailing whitespace control applied) when one starts at i, else 0.
  size_t tag_end(size_t i, bool block) const {
    const char* close = block ? "%}" : "}}";
    if (src_.compare(i, 1, "-") == 0 && src_.compare(i + 1, 2, close) == 0) return i + 3 + whitespace_at(i + 3);
    if (block && src_.compare(i, 3, "+%}") == 0) return i + 3;
    if (src_.compare(i, 2, close) == 0) {
      return i + 2 + (block && i + 2 < src_.size() && src_[i + 2] == '\n' ? 1 : 0);
    }
    return 0;
  }

  size_t lex_token(size_t i, std::vector<char>& balance) {
    const Pos p = pos_of(i);
    const char c = src_[i];
    if (is_ascii_digit(c)) return lex_number(i, p);
    const auto b = static_cast<unsigned char>(c);
    if (c == '_' || (b < 0x80 && is_alpha(b)) || b >= 0x80) {
      size_t j = i;
      while (j < src_.size()) {
        const auto d = static_cast<unsigned char>(src_[j]);
        if (d == '_' || (d < 0x80 && (is_alpha(d) || is_ascii_digit(src_[j]))) || (d >= 0x80 && whitespace_at(j) == 0)) {
          ++j;
        } else {
          break;
        }
      }
      tokens_.push_back(Token{Tok::kName, src_.substr(i, j - i), 0, 0, p});
      return j;
    }
    if (c == '\'' || c == '"') return lex_string(i, p);
    static constexpr std::array<std::string_view, 6> kDouble = {"**", "//", "==", "!=", ">=", "<="};
    for (auto op : kDouble) {
      if (src_.compare(i, 2, op) == 0) {
        tokens_.push_back(Token{Tok::kOp, std::string(op), 0, 0, p});
        return i + 2;
      }
    }
    if (std::string_view("+-/*%~[](){}><=.:|,;").find(c) == std::string_view::npos) {
      fail_at(p, std::string("unexpected char '") + c + "'");
    }
    if (c == '(' || c == '[' || c == '{') balance.push_back(c == '(' ? ')' : (c == '[' ? ']' : '}'));
    if (c == ')' || c == ']' || c == '}') {
      if (balance.empty()) fail_at(p, std::string("unexpected '") + c + "'");
      if (balance.back() != c) fail_at(p, std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
      balance.pop_back();
    }
    tokens_.push_back(Token{Tok::kOp, std::string(1, c), 0, 0, p});
    return i + 1;
  }

  // Digits with single underscores between them, starting at i; returns the end (i when none).
  size_t digits(size_t i, bool (*ok)(char)) const {
    size_t j = i;
    while (j < src_.size() && (ok(src_[j]) || (src_[j] == '_' && j > i && j + 1 < src_.size() && ok(src_[j + 1])))) ++j;
    return j;
  }

  size_t lex_number(size_t i, Pos p) {
    const bool after_dot = i > 0 && src_[i - 1] == '.';
    size_t j = digits(i, is_ascii_digit);
    size_t end = 0;
    if (!after_dot) {  // jinja2's float_re: digits (.digits)? e[+-]?digits, or digits .digits
      size_t k = j;
      if (k + 1 < src_.size() && src_[k] == '.' && is_ascii_digit(src_[k + 1])) k = digits(k + 1, is_ascii_digit);
      size_t e = k;
      if (e < src_.size() && (src_[e] | 32) == 'e') {
        size_t s = e + 1;
        if (s < src_.size() && (src_[s] == '+' || src_[s] == '-')) ++s;
        if (s < src_.size() && is_ascii_digit(src_[s])) end = digits(s, is_ascii_digit);
      }
      if (!end && k > j) end = k;
    }
    if (end) {
      std::string text = src_.substr(i, end - i);
      text.erase(std::remove(text.begin(), text.end(), '_'), text.end());
      tokens_.push_back(Token{Tok::kFloat, text, 0, std::strtod(text.c_str(), nullptr), p});
      return end;
    }
    int base = 10;
    size_t start = i;
    if (src_[i] == '0' && i + 2 < src_.size()) {
      const char x = static_cast<char>(src_[i + 1] | 32);
      auto valid = [&](char ch) {
        if (x == 'b') return ch == '0' || ch == '1';
        if (x == 'o') return ch >= '0' && ch <= '7';
        return is_ascii_digit(ch) || ((ch | 32) >= 'a' && (ch | 32) <= 'f');
      };
      const size_t first = src_[i + 2] == '_' ? i + 3 : i + 2;
      if ((x == 'b' || x == 'o' || x == 'x') && first < src_.size() && valid(src_[first])) {
        base = x == 'b' ? 2 : (x == 'o' ? 8 : 16);
        j = first;
        while (j < src_.size() && (valid(src_[j]) || (src_[j] == '_' && j + 1 < src_.size() && valid(src_[j + 1])))) ++j;
        start = i + 2;
      }
    }
    if (base == 10 && src_[i] == '0') {  // decimal zero: 0(_?0)*
      j = i + 1;
      while (j < src_.size() && (src_[j] == '0' || (src_[j] == '_' && j + 1 < src_.size() && src_[j + 1] == '0'))) ++j;
    }
    int64_t value = 0;
    for (size_t k = start; k < j; ++k) {
      if (src_[k] == '_') continue;
      const int d = is_ascii_digit(src_[k]) ? src_[k] - '0' : (src_[k] | 32) - 'a' + 10;
      if (__builtin_mul_overflow(value, base, &value) || __builtin_add_overflow(value, d, &value)) {
        fail_at(p, "integer literal " + src_.substr(i, j - i) + " does not fit 64 bits");
      }
    }
    tokens_.push_back(Token{Tok::kInt, src_.substr(i, j - i), value, 0, p});
    return j;
  }

  size_t lex_string(size_t i, Pos p) {
    const char quote = src_[i];
    size_t j = i + 1;
    while (j < src_.size() && src_[j] != quote) j += src_[j] == '\\' ? 2 : 1;
    if (j >= src_.size()) fail_at(p, "unexpected char '" + std::string(1, quote) + "' (unterminated string)");
    tokens_.push_back(Token{Tok::kString, unescape(src_.substr(i + 1, j - i - 1), p), 0, 0, p});
    return j + 1;
  }

  // Python's unicode-escape decoding of the literal's body, as jinja2 applies it.
  static std::string unescape(std::string_view body, Pos p) {
    const std::u32string in = utf8_decode(body);
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != '\\' || i + 1 >= in.size()) {
        append_utf8(out, in[i]);
        continue;
      }
      const char32_t n = in[++i];
      auto hex = [&](int count, const char* name) {
        char32_t v = 0;
        for (int k = 0; k < count; ++k) {
          const char32_t h = i + 1 < in.size() ? in[++i] : U'?';
          const int d = (h >= '0' && h <= '9') ? int(h - '0') : ((h | 32) >= 'a' && (h | 32) <= 'f') ? int((h | 32) - 'a' + 10) : -1;
          if (d < 0) fail_at(p, std::string("truncated ") + name + " escape");
          v = v * 16 + static_cast<char32_t>(d);
        }
        if (v > 0x10FFFF) fail_at(p, "illegal Unicode character");
        append_utf8(out, v);
      };
      switch (n) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': hex(2, "\\xXX"); break;
        case 'u': hex(4, "\\uXXXX"); break;
        case 'U': hex(8, "\\UXXXXXXXX"); break;
        case 'N': fail_at(p, "\\N{...} escapes are not supported in chat templates");
        default:
          if (n >= '0' && n <= '7') {
            char32_t v = n - '0';
            for (int k = 0; k < 2 && i + 1 < in.size() && in[i + 1] >= '0' && in[i + 1] <= '7'; ++k) v = v * 8 + (in[++i] - '0');
            append_utf8(out, v);
          } else if (n >= 0x80) {  // Python backslash-escapes the character first: "\é" -> "\xe9"
            char buf[16];
            std::snprintf(buf, sizeof buf, n < 0x100 ? "\\x%02x" : (n < 0x10000 ? "\\u%04x" : "\\U%08x"), static_cast<unsigned>(n));
            out += buf;
          } else {
            out += '\\';
            append_utf8(out, n);
          }
      }
    }
    return out;
  }

  std::string src_;
  std::vector<size_t> line_starts_;
  std::vector<Token> tokens_;
};

}  // namespace

std::string position_prefix(Pos pos) {
  return "chat template line " + std::to_string(pos.line) + ", column " + std::to_string(pos.column) + ": ";
}

void fail_at(Pos pos, const std::string& message) { throw TemplateError(position_prefix(pos) + message); }

std::vector<Token> tokenize(std::string_view source) { return Lexer(source).run(); }

}  // namespace llmcp::tokenizer::chat::jinja
