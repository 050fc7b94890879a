// Python str algorithms over UTF-8 text (code point semantics where Python's differ from bytes).
#include "tokenizer/chat/jinja_strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
         c == 0x2028 || c == 0x2029;
}

std::vector<std::string> split_whitespace(std::string_view s, int64_t maxsplit, bool from_right) {
  std::u32string in = utf8_decode(s);
  if (from_right) in = std::u32string(in.rbegin(), in.rend());
  std::vector<std::u32string> parts;
  size_t i = 0;
  while (i < in.size()) {
    while (i < in.size() && is_space(in[i])) ++i;
    if (i == in.size()) break;
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      size_t e = in.size();
      while (e > i && is_space(in[e - 1])) --e;
      parts.push_back(in.substr(i, e - i));
      break;
    }
    size_t j = i;
    while (j < in.size() && !is_space(in[j])) ++j;
    parts.push_back(in.substr(i, j - i));
    i = j;
  }
  std::vector<std::string> out;
  for (auto& p : parts) {
    if (from_right) p = std::u32string(p.rbegin(), p.rend());
    out.push_back(utf8_encode(p));
  }
  if (from_right) out = std::vector<std::string>(out.rbegin(), out.rend());
  return out;
}

void check_separator(const std::optional<std::string>& sep) {
  if (sep && sep->empty()) throw_error("empty separator");
}

}  // namespace

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  check_separator(sep);
  if (!sep) return split_whitespace(s, maxsplit, false);
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t hit = s.find(*sep, start);
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(start, hit - start));
    start = hit + sep->size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit) {
  check_separator(sep);
  if (!sep) return split_whitespace(s, maxsplit, true);
  std::vector<std::string> out;
  size_t end = s.size();
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    if (end < sep->size()) break;
    const size_t hit = s.rfind(*sep, end - sep->size());
    if (hit == std::string_view::npos) break;
    out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
    end = hit;
  }
  out.emplace_back(s.substr(0, end));
  return std::vector<std::string>(out.rbegin(), out.rend());
}

std::vector<std::string> py_splitlines(std::string_view s, bool keepends) {
  const std::u32string in = utf8_decode(s);
  std::vector<std::string> out;
  size_t start = 0, i = 0;
  while (i < in.size()) {
    if (!is_line_break(in[i])) {
      ++i;
      continue;
    }
    size_t eol = i + 1;
    if (in[i] == '\r' && eol < in.size() && in[eol] == '\n') ++eol;
    out.push_back(utf8_encode(in.substr(start, (keepends ? eol : i) - start)));
    start = i = eol;
  }
  if (start < in.size()) out.push_back(utf8_encode(in.substr(start)));
  return out;
}

std::string py_replace(std::string_view s, std::string_view old, std::string_view with, int64_t count) {
  std::string out;
  if (old.empty()) {  // Python inserts `with` around every code point
    const std::u32string in = utf8_decode(s);
    int64_t done = 0;
    for (size_t i = 0; i <= in.size(); ++i) {
      if (count < 0 || done < count) {
        out += with;
        ++done;
        check_size(out.size());
      }
      if (i < in.size()) append_utf8(out, in[i]);
    }
    return out;
  }
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t hit = s.find(old, start);
    if (hit == std::string_view::npos) break;
    out += s.substr(start, hit - start);
    out += with;
    check_size(out.size());
    start = hit + old.size();
    ++done;
  }
  out += s.substr(start);
  return out;
}

int64_t py_find(std::string_view s, std::string_view sub, bool from_right) {
  const size_t hit = from_right ? s.rfind(sub) : s.find(sub);
  if (hit == std::string_view::npos) return -1;
  return static_cast<int64_t>(utf8_length(s.substr(0, hit)));
}

int64_t py_count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return static_cast<int64_t>(utf8_length(s)) + 1;
  int64_t n = 0;
  for (size_t at = s.find(sub); at != std::string_view::npos; at = s.find(sub, at + sub.size())) ++n;
  return n;
}

std::string py_title(std::string_view s) {
  std::u32string out;
  bool previous_cased = false;
  for (char32_t c : utf8_decode(s)) {
    const bool cased = is_upper(c) || is_lower(c);
    if (previous_cased) {
      append_lower(out, c);
    } else {
      append_upper(out, c);
    }
    previous_cased = cased;
  }
  return utf8_encode(out);
}

std::string py_capitalize(std::string_view s) {
  const std::u32string in = utf8_decode(s);
  std::u32string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (i == 0) {
      append_upper(out, in[i]);
    } else {
      append_lower(out, in[i]);
    }
  }
  return utf8_encode(out);
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string percent_format(std::string_view format, const Value& args) {
  const bool mapping = args.is_dict();
  const List items = args.is_seq() && args.seq_kind() == SeqKind::kTuple ? args.items() : List{args};
  size_t next = 0;
  std::string out;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out.push_back(format[i]);
      continue;
    }
    if (++i >= format.size()) throw_error("incomplete format");
    const Value* arg = nullptr;
    if (format[i] == '(') {
      const size_t close = format.find(')', i);
      if (close == std::string_view::npos || !mapping) throw_error("format requires a mapping");
      arg = args.as_dict().find(format.substr(i + 1, close - i - 1));
      if (!arg) throw_error("format key '" + std::string(format.substr(i + 1, close - i - 1)) + "' is missing");
      i = close + 1;
    }
    std::string flags;
    while (i < format.size() && std::string_view("-+ #0").find(format[i]) != std::string_view::npos) flags += format[i++];
    int width = 0, precision = -1;
    while (i < format.size() && format[i] >= '0' && format[i] <= '9') width = std::min(width * 10 + (format[i++] - '0'), 4096);
    if (i < format.size() && format[i] == '.') {
      precision = 0;
      ++i;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9') {
        precision = std::min(precision * 10 + (format[i++] - '0'), 512);
      }
    }
    if (i >= format.size()) throw_error("incomplete format");
    const char conv = format[i];
    if (conv == '%') {
      out.push_back('%');
      continue;
    }
    if (!arg) {
      if (mapping || next >= items.size()) throw_error("not enough arguments for format string");
      arg = &items[next++];
    }
    std::string text;
    if (conv == 's' || conv == 'r' || conv == 'a') {
      std::u32string chars = utf8_decode(conv == 's' ? to_str(*arg) : repr(*arg));
      if (precision >= 0 && chars.size() > static_cast<size_t>(precision)) chars.resize(precision);
      text = utf8_encode(chars);
      const size_t n = chars.size();
      if (static_cast<size_t>(width) > n) {
        const std::string pad(width - n, ' ');
        text = flags.find('-') != std::string::npos ? text + pad : pad + text;
      }
    } else {
      check_defined(*arg);
      const bool integer_conv = std::string_view("diuxXo").find(conv) != std::string_view::npos;
      const bool float_conv = std::string_view("fFeEgG").find(conv) != std::string_view::npos;
      if (!integer_conv && !float_conv) throw_error(std::string("unsupported format character '") + conv + "'");
      if (!arg->is_numeric() || (arg->is_float() && integer_conv && conv != 'd' && conv != 'i' && conv != 'u')) {
        throw_error(std::string("%") + conv + " format: a real number is required, not " + type_name(*arg));
      }
      std::string spec = "%" + flags + (width ? std::to_string(width) : "") +
                         (precision >= 0 ? "." + std::to_string(precision) : "");
      char buf[8192];
      if (integer_conv) {
        if (arg->is_float() && !(std::fabs(arg->as_float()) < 9.2e18)) throw_error("cannot convert float to integer");
        const long long v = arg->is_float() ? static_cast<long long>(arg->as_float()) : arg->as_int();
        spec += std::string("ll") + (conv == 'u' || conv == 'i' ? 'd' : conv);
        std::snprintf(buf, sizeof buf, spec.c_str(), v);
      } else {
        std::snprintf(buf, sizeof buf, (spec + conv).c_str(), arg->as_float());
      }
      text = buf;
    }
    out += text;
    check_size(out.size());
  }
  // Python tolerates unused arguments only when they came as one subscriptable non-tuple object.
  const bool subscriptable = args.is_dict() || args.is_undefined() || (args.is_list_like() && args.seq_kind() != SeqKind::kTuple);
  if (!subscriptable && next < items.size()) throw_error("not all arguments converted during string formatting");
  return out;
}

}  // namespace llmcp::tokenizer::chat::jinja
