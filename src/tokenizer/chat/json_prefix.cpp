// JsonObjectPrefix: a pushdown automaton over JSON's grammar; see json_prefix.h.
#include "tokenizer/chat/json_prefix.h"

#include <string_view>

namespace llmcp::tokenizer::chat {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

bool JsonObjectPrefix::open(char bracket) {
  if (static_cast<int>(stack_.size()) >= kMaxDepth) return false;
  stack_ += bracket;
  mode_ = bracket == '{' ? Mode::kKeyOrEnd : Mode::kValueOrEnd;
  return true;
}

bool JsonObjectPrefix::close(char bracket) {
  if (stack_.empty() || stack_.back() != (bracket == '}' ? '{' : '[')) return false;
  stack_.pop_back();
  mode_ = stack_.empty() ? Mode::kDone : Mode::kAfter;
  return true;
}

// One hex digit of a \u escape. UTF-16 surrogates must pair (a high one, then a low one), as
// JSON readers require; that is decided by the first two digits.
bool JsonObjectPrefix::hex_digit(char c) {
  if (!is_hex(c)) return false;
  const unsigned v = static_cast<unsigned>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
  hex_value_ = hex_value_ * 16 + v;
  const int index = 4 - hex_left_;
  if (index == 0 && want_low_ && v != 0xD) return false;
  const bool low_range = hex_value_ >= 0xDC && hex_value_ <= 0xDF;
  if (index == 1 && low_range != want_low_) return false;
  if (--hex_left_ > 0) return true;
  want_low_ = hex_value_ >= 0xD800 && hex_value_ <= 0xDBFF;
  mode_ = want_low_ ? Mode::kLowBackslash : Mode::kString;
  return true;
}

// A digit of a number's part, which may hold at most `limit`.
bool JsonObjectPrefix::digit(char c, Mode next, int limit) {
  if (!is_digit(c)) return false;
  if (mode_ != next) digits_ = 0;
  mode_ = next;
  return ++digits_ <= limit;
}

bool JsonObjectPrefix::value_start(char c) {
  switch (c) {
    case '{':
    case '[': return open(c);
    case '"': in_key_ = false, mode_ = Mode::kString; return true;
    case '-': mode_ = Mode::kMinus; return true;
    case '0': mode_ = Mode::kZero, digits_ = 1; return true;
    case 't': word_ = "rue", mode_ = Mode::kWord; return true;
    case 'f': word_ = "alse", mode_ = Mode::kWord; return true;
    case 'n': word_ = "ull", mode_ = Mode::kWord; return true;
    default:
      if (c >= '1' && c <= '9') return mode_ = Mode::kInt, digits_ = 1, true;
      return false;
  }
}

// After a value: a comma, or the end of the container it is in.
bool JsonObjectPrefix::after_value(char c) {
  mode_ = Mode::kAfter;
  if (is_space(c)) return ++whitespace_ <= kMaxWhitespace;
  if (c == ',') {
    mode_ = stack_.back() == '{' ? Mode::kKey : Mode::kValue;
    return true;
  }
  return (c == '}' || c == ']') && close(c);
}

bool JsonObjectPrefix::push(char c) {
  const bool structural = mode_ != Mode::kString && mode_ != Mode::kEscape && mode_ != Mode::kHex &&
                          mode_ != Mode::kLowBackslash && mode_ != Mode::kLowU;
  if (structural && !is_space(c)) whitespace_ = 0;
  switch (mode_) {
    case Mode::kStart:
      if (is_space(c)) return ++whitespace_ <= kMaxWhitespace;
      return c == '{' && open(c);
    case Mode::kKeyOrEnd:
      if (c == '}') return close(c);
      [[fallthrough]];
    case Mode::kKey:
      if (is_space(c)) return ++whitespace_ <= kMaxWhitespace;
      if (c != '"') return false;
      in_key_ = true, mode_ = Mode::kString;
      return true;
    case Mode::kColon:
      if (is_space(c)) return ++whitespace_ <= kMaxWhitespace;
      if (c != ':') return false;
      mode_ = Mode::kValue;
      return true;
    case Mode::kValueOrEnd:
      if (c == ']') return close(c);
      [[fallthrough]];
    case Mode::kValue:
      if (is_space(c)) return ++whitespace_ <= kMaxWhitespace;
      return value_start(c);
    case Mode::kAfter: return after_value(c);
    case Mode::kString:
      if (c == '"') {
        whitespace_ = 0;
        mode_ = in_key_ ? Mode::kColon : Mode::kAfter;
        return true;
      }
      if (c == '\\') return mode_ = Mode::kEscape, true;
      return static_cast<unsigned char>(c) >= 0x20;
    case Mode::kEscape:
      if (c == 'u') return hex_left_ = 4, hex_value_ = 0, mode_ = Mode::kHex, true;
      mode_ = Mode::kString;
      return c == '"' || c == '\\' || c == '/' || c == 'b' || c == 'f' || c == 'n' || c == 'r' || c == 't';
    case Mode::kHex: return hex_digit(c);
    case Mode::kLowBackslash: return c == '\\' && (mode_ = Mode::kLowU, true);
    case Mode::kLowU: return c == 'u' && (hex_left_ = 4, hex_value_ = 0, mode_ = Mode::kHex, true);
    case Mode::kWord:
      if (word_.empty() || c != word_.front()) return false;
      word_.remove_prefix(1);
      if (word_.empty()) mode_ = Mode::kAfter;
      return true;
    case Mode::kMinus:
      if (c == '0') return mode_ = Mode::kZero, true;
      return digit(c, Mode::kInt, kMaxDigits);
    case Mode::kInt:
      if (is_digit(c)) return digit(c, Mode::kInt, kMaxDigits);
      [[fallthrough]];
    case Mode::kZero:
      if (c == '.') return mode_ = Mode::kDot, true;
      if (c == 'e' || c == 'E') return mode_ = Mode::kExp, true;
      return after_value(c);
    case Mode::kDot: return digit(c, Mode::kFrac, kMaxDigits);
    case Mode::kFrac:
      if (is_digit(c)) return digit(c, Mode::kFrac, kMaxDigits);
      if (c == 'e' || c == 'E') return mode_ = Mode::kExp, true;
      return after_value(c);
    case Mode::kExp:
      if (c == '+' || c == '-') return mode_ = Mode::kExpSign, true;
      [[fallthrough]];
    case Mode::kExpSign: return digit(c, Mode::kExpDigits, kMaxExponentDigits);
    case Mode::kExpDigits: return is_digit(c) ? digit(c, Mode::kExpDigits, kMaxExponentDigits) : after_value(c);
    case Mode::kDone: return false;
  }
  return false;
}

// The rest of a \u escape with zeros (a low surrogate's escape after a high one), and the
// string's closing quote.
std::string JsonObjectPrefix::hex_rest() const {
  std::string rest;
  if (want_low_) {
    constexpr std::string_view kLow = "DC00";
    rest.assign(kLow.end() - hex_left_, kLow.end());
  } else {
    rest = std::string(static_cast<size_t>(hex_left_), '0');
    const unsigned v = hex_value_ << (4 * hex_left_);
    if (v >= 0xD800 && v <= 0xDBFF) rest += "\\uDC00";
  }
  return rest + "\"";
}

std::string JsonObjectPrefix::closing() const {
  std::string out;
  const std::string_view after_key = in_key_ ? ":0" : "";
  auto put = [&](std::string_view v) { out.append(v.data(), v.size()); };
  switch (mode_) {
    case Mode::kDone: return out;
    case Mode::kStart: put("{}"); return out;
    case Mode::kKey: put("\"\":0"); break;
    case Mode::kColon: put(":0"); break;
    case Mode::kValue:
    case Mode::kMinus:
    case Mode::kDot:
    case Mode::kExp:
    case Mode::kExpSign: put("0"); break;
    case Mode::kString: put("\""), put(after_key); break;
    case Mode::kEscape: put("n\""), put(after_key); break;
    case Mode::kHex: put(hex_rest()), put(after_key); break;
    case Mode::kLowBackslash: put("\\uDC00\""), put(after_key); break;
    case Mode::kLowU: put("uDC00\""), put(after_key); break;
    case Mode::kWord: put(word_); break;
    case Mode::kKeyOrEnd:
    case Mode::kValueOrEnd:
    case Mode::kAfter:
    case Mode::kZero:
    case Mode::kInt:
    case Mode::kFrac:
    case Mode::kExpDigits: break;
  }
  for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) out += *it == '{' ? '}' : ']';
  return out;
}

}  // namespace llmcp::tokenizer::chat
