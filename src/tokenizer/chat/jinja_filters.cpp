// jinja2's filters on single values (text, numbers, tojson, default) and the filter/test lookup.
// Semantics follow jinja2 3.1's filters.py with transformers' tojson; sequence filters are in
// jinja_filters_seq.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_format.h"
#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_strings.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

// Python's int(s, base) and float(s) on text: nullopt where Python raises ValueError.
std::optional<int64_t> parse_int(std::string_view text, int64_t base) {
  std::string s = strip(text, StripSide::kBoth);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.erase(0, 1);
  }
  if (s.size() > 2 && s[0] == '0') {
    const char p = static_cast<char>(s[1] | 32);
    if ((p == 'x' && (base == 16 || base == 0)) || (p == 'o' && (base == 8 || base == 0)) ||
        (p == 'b' && (base == 2 || base == 0))) {
      base = p == 'x' ? 16 : (p == 'o' ? 8 : 2);
      s.erase(0, s[2] == '_' ? 3 : 2);
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36) throw_error("int() base must be >= 2 and <= 36, or 0");
  if (s.empty() || s.front() == '_' || s.back() == '_' || s.find("__") != std::string::npos) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    if (c == '_') continue;
    const int d = (c >= '0' && c <= '9') ? c - '0' : ((c | 32) >= 'a' && (c | 32) <= 'z') ? (c | 32) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) {
      throw_error("integer '" + std::string(text) + "' does not fit 64 bits");
    }
  }
  return negative ? -v : v;
}

std::optional<double> parse_float(std::string_view text) {
  std::string s = strip(text, StripSide::kBoth);
  std::string lower = to_lower(s);
  const std::string body = (!lower.empty() && (lower[0] == '+' || lower[0] == '-')) ? lower.substr(1) : lower;
  if (body == "inf" || body == "infinity" || body == "nan") {
    const double v = body == "nan" ? NAN : INFINITY;
    return lower[0] == '-' ? -v : v;
  }
  std::string clean;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '_') {
      const bool ok = i > 0 && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                      std::isdigit(static_cast<unsigned char>(s[i + 1]));
      if (!ok) return std::nullopt;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c)) && std::string_view("+-.eE").find(c) == std::string_view::npos) {
      return std::nullopt;
    }
    clean.push_back(c);
  }
  if (clean.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(clean.c_str(), &end);
  if (end != clean.c_str() + clean.size()) return std::nullopt;
  return v;
}

int64_t float_to_int(double d) {
  if (std::isinf(d)) throw_error("cannot convert float infinity to integer");
  if (!(std::fabs(d) < 9.2e18)) throw_error("float " + float_repr(d) + " does not fit a 64-bit integer");
  return static_cast<int64_t>(d);
}

Value f_int(const Value& in, const CallArgs& a) {
  Params p("int", a, {"default", "base"});
  const Value fallback = p.get_or(0, Value::integer(0));
  check_defined(in);
  if (in.is_string()) {
    if (auto v = parse_int(in.as_string(), p.integer(1, 10))) return Value::integer(*v);
    const auto f = parse_float(in.as_string());
    if (!f || std::isnan(*f)) return fallback;
    return Value::integer(float_to_int(*f));
  }
  if (in.is_integral()) return Value::integer(in.as_int());
  if (in.is_float()) return std::isnan(in.as_float()) ? fallback : Value::integer(float_to_int(in.as_float()));
  return fallback;
}

Value f_float(const Value& in, const CallArgs& a) {
  Params p("float", a, {"default"});
  check_defined(in);
  if (in.is_numeric()) return Value::number(in.as_float());
  if (in.is_string()) {
    if (auto v = parse_float(in.as_string())) return Value::number(*v);
  }
  return p.get_or(0, Value::number(0.0));
}

double round_half_even(double x, int64_t digits) {
  if (!std::isfinite(x) || digits > 323) return x;
  if (digits < -308) return 0.0 * x;
  if (digits < 0) {
    const double scale = std::pow(10.0, static_cast<double>(-digits));
    return std::nearbyint(x / scale) * scale;
  }
  std::string buf(400 + static_cast<size_t>(digits), '\0');
  const int n = std::snprintf(buf.data(), buf.size(), "%.*f", static_cast<int>(digits), x);
  buf.resize(static_cast<size_t>(n));
  return std::strtod(buf.c_str(), nullptr);
}

Value f_round(const Value& in, const CallArgs& a) {
  Params p("round", a, {"precision", "method"});
  const int64_t precision = p.integer(0, 0);
  const std::string method = p.str(1, "common");
  if (method != "common" && method != "ceil" && method != "floor") throw_error("method must be common, ceil or floor");
  check_defined(in);
  if (!in.is_numeric()) throw_error("type " + type_name(in) + " doesn't define __round__ method");
  if (method == "common") {
    if (in.is_float()) return Value::number(round_half_even(in.as_float(), precision));
    if (precision >= 0) return Value::integer(in.as_int());
    if (precision < -18) return Value::integer(0);
    int64_t scale = 1;
    for (int64_t i = 0; i < -precision; ++i) scale *= 10;
    int64_t q = in.as_int() / scale, r = in.as_int() % scale;
    if (r < 0) r += scale, q -= 1;
    if (2 * r > scale || (2 * r == scale && (q & 1))) q += 1;
    return Value::integer(q * scale);
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = in.as_float() * scale;
  return Value::number((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Value f_tojson(const Value& in, const CallArgs& a) {
  Params p("tojson", a, {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions o;
  o.ensure_ascii = p.flag(0, false);
  o.sort_keys = p.flag(3, false);
  if (p.has(1) && !p.get(1).is_none()) {
    const Value& indent = p.get(1);
    if (indent.is_string()) {
      o.indent = indent.as_string();
    } else if (indent.is_integral()) {
      o.indent = std::string(static_cast<size_t>(std::clamp<int64_t>(indent.as_int(), 0, 4096)), ' ');
    } else {
      throw_error("tojson: indent must be an int or a str, not " + type_name(indent));
    }
    o.item_separator = ",";
  }
  if (p.has(2) && !p.get(2).is_none()) {
    const List seps = iterate(p.get(2));
    if (seps.size() != 2 || !seps[0].is_string() || !seps[1].is_string()) {
      throw_error("tojson: separators must be a pair of strings");
    }
    o.item_separator = seps[0].as_string();
    o.key_separator = seps[1].as_string();
  }
  return Value::string(to_json(in, o));
}

Value f_indent(const Value& in, const CallArgs& a) {
  Params p("indent", a, {"width", "first", "blank"});
  const Value& width = p.get_or(0, Value::integer(4));
  const std::string indention =
      width.is_string() ? width.as_string()
                        : std::string(static_cast<size_t>(std::clamp<int64_t>(p.integer(0, 4), 0, 4096)), ' ');
  check_defined(in);
  if (!in.is_string()) throw_error("unsupported operand type(s) for +=: '" + type_name(in) + "' and 'str'");
  const std::vector<std::string> lines = py_splitlines(in.as_string() + "\n", false);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += "\n";
    if (i && (p.flag(2, false) || !lines[i].empty())) out += indention;
    out += lines[i];
    check_size(out.size());
  }
  if (p.flag(1, false)) out = indention + out;
  return Value::string(std::move(out));
}

Value f_title(const Value& in, const CallArgs& a) {
  Params("title", a, {});
  const std::u32string s = utf8_decode(to_str(in));
  auto is_sep = [](char32_t c) { return is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<'; };
  std::u32string out;
  for (size_t i = 0; i < s.size();) {
    const bool sep = is_sep(s[i]);
    size_t j = i;
    while (j < s.size() && is_sep(s[j]) == sep) ++j;
    append_upper(out, s[i]);
    out += utf8_decode(to_lower(utf8_encode(s.substr(i + 1, j - i - 1))));
    i = j;
  }
  return Value::string(utf8_encode(out));
}

Value f_default(const Value& in, const CallArgs& a) {
  Params p("default", a, {"default_value", "boolean"});
  if (in.is_undefined() || (p.flag(1, false) && !truthy(in))) return p.get_or(0, Value::string(""));
  return in;
}

Value f_format(const Value& in, const CallArgs& a) {
  if (!a.positional.empty() && !a.keywords.empty()) {
    throw_error("can't handle positional and keyword arguments at the same time");
  }
  if (!a.keywords.empty()) {
    Dict d;
    for (const auto& [k, v] : a.keywords) d.set(Value::string(k), v);
    return Value::string(percent_format(to_str(in), Value::dict(std::move(d))));
  }
  return Value::string(percent_format(to_str(in), Value::seq(a.positional, SeqKind::kTuple)));
}

Value f_attr(const Value& in, const CallArgs& a) {
  Params p("attr", a, {"name"});
  const std::string name = to_str(p.get(0));
  check_defined(in);
  if (in.is_object()) return in.as_object().get_attr(name);
  if (auto v = builtin_attribute(in, name)) return *v;
  return Value::undefined("'" + object_type_repr(in) + "' has no attribute '" + name + "'");
}

Value f_truncate(const Value& in, const CallArgs& a) {
  Params p("truncate", a, {"length", "killwords", "end", "leeway"});
  const int64_t length = p.integer(0, 255);
  const std::string end = p.str(2, "...");
  const int64_t leeway = p.integer(3, 5);  // jinja2's default truncate.leeway policy
  const auto end_len = static_cast<int64_t>(utf8_length(end));
  if (length < end_len) throw_error("expected length >= " + std::to_string(end_len) + ", got " + std::to_string(length));
  if (leeway < 0) throw_error("expected leeway >= 0, got " + std::to_string(leeway));
  if (checked_length(in) <= length + leeway) return in;
  const Value head = slice(in, Value::none(), Value::integer(length - end_len), Value::none());
  if (!head.is_string()) throw_error("'" + type_name(in) + "' object has no attribute 'rsplit'");
  if (p.flag(1, false)) return Value::string(head.as_string() + end);
  return Value::string(py_rsplit(head.as_string(), std::string(" "), 1)[0] + end);
}

Value f_wordcount(const Value& in, const CallArgs& a) {
  Params("wordcount", a, {});
  int64_t words = 0;
  bool in_word = false;
  for (char32_t c : utf8_decode(to_str(in))) {
    const bool w = c == '_' || is_alpha(c) || is_digit(c);
    if (w && !in_word) ++words;
    in_word = w;
  }
  return Value::integer(words);
}

Value text_filter(const Value& in, const CallArgs& a, const char* name, std::string (*fn)(std::string_view)) {
  Params(name, a, {});
  return Value::string(fn(to_str(in)));
}

}  // namespace

const NamedFilters& string_filters() {
  static const NamedFilters table = {
      {"trim", [](const Value& in, const CallArgs& a) {
         Params p("trim", a, {"chars"});
         if (!p.has(0) || p.get(0).is_none()) return Value::string(strip(to_str(in), StripSide::kBoth));
         return Value::string(strip_chars(to_str(in), to_str(p.get(0)), StripSide::kBoth));
       }},
      {"upper", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "upper", to_upper); }},
      {"lower", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "lower", to_lower); }},
      {"capitalize", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "capitalize", py_capitalize); }},
      {"title", f_title},
      {"replace", [](const Value& in, const CallArgs& a) {
         Params p("replace", a, {"old", "new", "count"});
         return Value::string(py_replace(to_str(in), to_str(p.get(0)), to_str(p.get(1)), p.integer(2, -1)));
       }},
      {"string", [](const Value& in, const CallArgs& a) { Params("string", a, {}); return Value::string(to_str(in)); }},
      {"safe", [](const Value& in, const CallArgs& a) { Params("safe", a, {}); return Value::string(to_str(in)); }},
      {"escape", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "escape", html_escape); }},
      {"e", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "e", html_escape); }},
      {"forceescape", [](const Value& in, const CallArgs& a) { return text_filter(in, a, "forceescape", html_escape); }},
      {"indent", f_indent},
      {"tojson", f_tojson},
      {"int", f_int},
      {"float", f_float},
      {"round", f_round},
      {"abs", [](const Value& in, const CallArgs& a) {
         Params("abs", a, {});
         check_defined(in);
         if (in.is_float()) return Value::number(std::fabs(in.as_float()));
         if (in.is_integral()) return in.as_int() < 0 ? negate(in) : Value::integer(in.as_int());
         throw_error("bad operand type for abs(): '" + type_name(in) + "'");
       }},
      {"default", f_default},
      {"d", f_default},
      {"length", [](const Value& in, const CallArgs& a) { Params("length", a, {}); return Value::integer(checked_length(in)); }},
      {"count", [](const Value& in, const CallArgs& a) { Params("count", a, {}); return Value::integer(checked_length(in)); }},
      {"format", f_format},
      {"truncate", f_truncate},
      {"wordcount", f_wordcount},
      {"center", [](const Value& in, const CallArgs& a) {
         Params p("center", a, {"width"});
         const std::string s = to_str(in);
         const int64_t width = std::min<int64_t>(p.integer(0, 80), kMaxStringBytes);
         const auto n = static_cast<int64_t>(utf8_length(s));
         if (width <= n) return Value::string(s);
         const int64_t total = width - n, left = total / 2 + (total & width & 1);
         return Value::string(std::string(left, ' ') + s + std::string(total - left, ' '));
       }},
      {"attr", f_attr},
  };
  return table;
}

FilterFn find_filter(std::string_view name) {
  for (const NamedFilters* table : {&string_filters(), &sequence_filters()}) {
    for (const auto& [n, fn] : *table) {
      if (n == name) return fn;
    }
  }
  return nullptr;
}

Value apply_filter(std::string_view name, const Value& input, const CallArgs& args) {
  const FilterFn fn = find_filter(name);
  if (!fn) throw_error("No filter named '" + std::string(name) + "' found.");
  return fn(input, args);
}

}  // namespace llmcp::tokenizer::chat::jinja
