// Python-exact float repr, str repr and json.dumps for the chat template interpreter.
#include "tokenizer/chat/jinja_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

void append_hex(std::string& out, const char* prefix, unsigned v, int width) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%s%0*x", prefix, width, v);
  out += buf;
}

void json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out.push_back('"');
  for (char32_t c : utf8_decode(s)) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          append_hex(out, "\\u", c, 4);
        } else if (c >= 0x80 && ensure_ascii && c < 0x10000) {
          append_hex(out, "\\u", c, 4);
        } else if (c >= 0x80 && ensure_ascii) {
          append_hex(out, "\\u", 0xD800 + ((c - 0x10000) >> 10), 4);
          append_hex(out, "\\u", 0xDC00 + ((c - 0x10000) & 0x3FF), 4);
        } else {
          append_utf8(out, c);
        }
    }
  }
  out.push_back('"');
}

std::string json_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return float_repr(d);
}

// A dict key as json.dumps converts it: str as is, numbers/bools/None to their JSON text.
std::string json_key(const Value& k) {
  switch (k.kind()) {
    case Value::Kind::kString: return k.as_string();
    case Value::Kind::kBool: return k.as_bool() ? "true" : "false";
    case Value::Kind::kInt: return std::to_string(k.as_int());
    case Value::Kind::kFloat: return json_float(k.as_float());
    case Value::Kind::kNone: return "null";
    default: throw_error("keys must be str, int, float, bool or None, not " + type_name(k));
  }
}

class JsonWriter {
 public:
  JsonWriter(const JsonOptions& o, std::string& out) : o_(o), out_(out) {}

  void write(const Value& v, int level) {
    if (level > 512) throw_error("tojson: nesting deeper than 512 levels");
    switch (v.kind()) {
      case Value::Kind::kNone: out_ += "null"; return;
      case Value::Kind::kBool: out_ += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::kInt: out_ += std::to_string(v.as_int()); return;
      case Value::Kind::kFloat: out_ += json_float(v.as_float()); return;
      case Value::Kind::kString: json_string(out_, v.as_string(), o_.ensure_ascii); return;
      case Value::Kind::kSeq:
        if (v.is_list_like() && v.seq_kind() != SeqKind::kRange) {
          write_list(v.items(), level);
          return;
        }
        break;
      case Value::Kind::kDict: write_dict(v.as_dict(), level); return;
      default: break;
    }
    throw_error("Object of type " + type_name(v) + " is not JSON serializable");
  }

 private:
  void newline(int level) {
    out_.push_back('\n');
    for (int i = 0; i < level; ++i) out_ += *o_.indent;
  }

  void write_list(const List& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_.push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i) out_ += o_.item_separator;
      if (o_.indent) newline(level + 1);
      write(items[i], level + 1);
    }
    if (o_.indent) newline(level);
    out_.push_back(']');
  }

  void write_dict(const Dict& d, int level) {
    if (d.entries.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& e : d.entries) entries.push_back(&e);
    if (o_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto* a, const auto* b) { return order(a->first, b->first) < 0; });
    }
    out_.push_back('{');
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i) out_ += o_.item_separator;
      if (o_.indent) newline(level + 1);
      json_string(out_, json_key(entries[i]->first), o_.ensure_ascii);
      out_ += o_.key_separator;
      write(entries[i]->second, level + 1);
    }
    if (o_.indent) newline(level);
    out_.push_back('}');
  }

  const JsonOptions& o_;
  std::string& out_;
};

}  // namespace

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // like -1.2345e+02
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp10 = std::stoi(sci.substr(e + 1));
  const int decpt = exp10 + 1;  // the value is 0.DIGITS x 10^decpt
  const int n = static_cast<int>(digits.size());
  std::string out = sign;
  if (decpt > -4 && decpt <= 16) {  // CPython switches to exponent form outside this range
    if (decpt <= 0) {
      out += "0." + std::string(-decpt, '0') + digits;
    } else if (decpt >= n) {
      out += digits + std::string(decpt - n, '0') + ".0";
    } else {
      out += digits.substr(0, decpt) + "." + digits.substr(decpt);
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (n > 1) out += "." + digits.substr(1);
  char ebuf[16];
  std::snprintf(ebuf, sizeof ebuf, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
  return out + ebuf;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char32_t c : utf8_decode(s)) {
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      append_hex(out, "\\x", c, 2);
    } else if (c < 0x7F || is_printable(c)) {
      append_utf8(out, c);
    } else if (c <= 0xFF) {
      append_hex(out, "\\x", c, 2);
    } else if (c <= 0xFFFF) {
      append_hex(out, "\\u", c, 4);
    } else {
      append_hex(out, "\\U", c, 8);
    }
  }
  out.push_back(quote);
  return out;
}

std::string to_json(const Value& v, const JsonOptions& options) {
  std::string out;
  JsonWriter(options, out).write(v, 0);
  return out;
}

}  // namespace llmcp::tokenizer::chat::jinja
