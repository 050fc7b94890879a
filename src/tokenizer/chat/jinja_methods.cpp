// Methods of str, list, tuple and dict that templates call (`content.strip()`, `d.items()`), bound
// to their receiver. Methods that would mutate come back as the immutable sandbox's unsafe
// Undefined, which fails with a security error when called.
#include <algorithm>
#include <array>
#include <memory>

#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_strings.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

using Method = Value (*)(const Value& self, const CallArgs& args);

Value str_list(const std::vector<std::string>& parts) {
  List out;
  for (const auto& p : parts) out.push_back(Value::string(p));
  return Value::seq(std::move(out));
}

std::optional<std::string> optional_str(const Params& p, size_t i, const char* what) {
  if (!p.has(i) || p.get(i).is_none()) return std::nullopt;
  if (!p.get(i).is_string()) throw_error(std::string(what) + " arg must be None or str");
  return p.get(i).as_string();
}

const std::string& str_arg(const Params& p, size_t i, const char* method) {
  if (!p.has(i)) throw_error(std::string(method) + "() takes at least " + std::to_string(i + 1) + " argument(s)");
  if (!p.get(i).is_string()) {
    throw_error(std::string(method) + "() argument must be str, not " + type_name(p.get(i)));
  }
  return p.get(i).as_string();
}

Value affix_test(const Value& self, const CallArgs& a, bool prefix) {
  const char* name = prefix ? "startswith" : "endswith";
  Params p(name, a, {"prefix", "start", "end"});
  const Value target = slice(self, p.get_or(1, Value::none()), p.get_or(2, Value::none()), Value::none());
  const std::string& s = target.as_string();
  List candidates = p.get(0).is_seq() && p.get(0).seq_kind() == SeqKind::kTuple ? p.get(0).items() : List{p.get(0)};
  for (const auto& c : candidates) {
    if (!c.is_string()) {
      throw_error(std::string(name) + " first arg must be str or a tuple of str, not " + type_name(c));
    }
    const std::string& x = c.as_string();
    if (x.size() <= s.size() && (prefix ? s.compare(0, x.size(), x) : s.compare(s.size() - x.size(), x.size(), x)) == 0) {
      return Value::boolean(true);
    }
  }
  return Value::boolean(false);
}

Value strip_method(const Value& self, const CallArgs& a, StripSide side) {
  Params p("strip", a, {"chars"});
  const auto chars = optional_str(p, 0, "strip");
  return Value::string(chars ? strip_chars(self.as_string(), *chars, side) : strip(self.as_string(), side));
}

Value justify(const Value& self, const CallArgs& a, int where) {  // -1 ljust, 0 center, 1 rjust
  Params p("ljust", a, {"width", "fillchar"});
  const int64_t width = std::min<int64_t>(p.integer(0, 0), kMaxStringBytes);
  const std::string fill = p.str(1, " ");
  const int64_t n = static_cast<int64_t>(utf8_length(self.as_string()));
  if (width <= n) return self;
  const int64_t total = width - n;
  int64_t left = where < 0 ? 0 : (where > 0 ? total : total / 2 + (total & width & 1));
  std::string out;
  for (int64_t i = 0; i < left; ++i) out += fill;
  out += self.as_string();
  for (int64_t i = 0; i < total - left; ++i) out += fill;
  return Value::string(std::move(out));
}

Value find_method(const Value& self, const CallArgs& a, bool from_right, bool raise) {
  Params p("find", a, {"sub"});
  const int64_t at = py_find(self.as_string(), str_arg(p, 0, "find"), from_right);
  if (at < 0 && raise) throw_error("substring not found");
  return Value::integer(at);
}

Value is_all(const Value& self, bool (*pred)(char32_t)) {
  const std::u32string s = utf8_decode(self.as_string());
  return Value::boolean(!s.empty() && std::all_of(s.begin(), s.end(), pred));
}

Value cased_check(const Value& self, bool upper) {
  bool any = false;
  for (char32_t c : utf8_decode(self.as_string())) {
    if (upper ? is_lower(c) : is_upper(c)) return Value::boolean(false);
    any = any || (upper ? is_upper(c) : is_lower(c));
  }
  return Value::boolean(any);
}

Value str_join(const Value& self, const CallArgs& a) {
  Params p("join", a, {"iterable"});
  std::string out;
  const List items = iterate(p.get(0));
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_string()) {
      throw_error("sequence item " + std::to_string(i) + ": expected str instance, " + type_name(items[i]) + " found");
    }
    if (i) out += self.as_string();
    out += items[i].as_string();
    check_size(out.size());
  }
  return Value::string(std::move(out));
}

Value brace_format(const Value& self, const CallArgs& a) {
  const std::string& f = self.as_string();
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if ((f[i] == '{' || f[i] == '}') && i + 1 < f.size() && f[i + 1] == f[i]) {
      out.push_back(f[i++]);
      continue;
    }
    if (f[i] == '}') throw_error("Single '}' encountered in format string");
    if (f[i] != '{') {
      out.push_back(f[i]);
      continue;
    }
    const size_t close = f.find('}', i);
    if (close == std::string::npos) throw_error("Single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    bool use_repr = false;
    if (field.size() >= 2 && field[field.size() - 2] == '!') {
      use_repr = field.back() == 'r';
      field.resize(field.size() - 2);
    }
    if (field.find(':') != std::string::npos) throw_error("str.format specs ({:...}) are not supported in templates");
    const Value* arg = nullptr;
    if (field.empty() || std::all_of(field.begin(), field.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      const size_t index = field.empty() ? auto_index++ : std::stoul(field.substr(0, 9));
      if (index >= a.positional.size()) throw_error("Replacement index " + std::to_string(index) + " out of range");
      arg = &a.positional[index];
    } else {
      for (const auto& [k, v] : a.keywords) {
        if (k == field) arg = &v;
      }
      if (!arg) throw_error("'" + field + "'");
    }
    out += use_repr ? repr(*arg) : to_str(*arg);
    check_size(out.size());
    i = close;
  }
  return Value::string(std::move(out));
}

const std::vector<std::pair<std::string_view, Method>>& str_methods() {
  static const std::vector<std::pair<std::string_view, Method>> table = {
      {"startswith", [](const Value& s, const CallArgs& a) { return affix_test(s, a, true); }},
      {"endswith", [](const Value& s, const CallArgs& a) { return affix_test(s, a, false); }},
      {"strip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, StripSide::kBoth); }},
      {"lstrip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, StripSide::kLeft); }},
      {"rstrip", [](const Value& s, const CallArgs& a) { return strip_method(s, a, StripSide::kRight); }},
      {"split", [](const Value& s, const CallArgs& a) {
         Params p("split", a, {"sep", "maxsplit"});
         return str_list(py_split(s.as_string(), optional_str(p, 0, "split"), p.integer(1, -1)));
       }},
      {"rsplit", [](const Value& s, const CallArgs& a) {
         Params p("rsplit", a, {"sep", "maxsplit"});
         return str_list(py_rsplit(s.as_string(), optional_str(p, 0, "rsplit"), p.integer(1, -1)));
       }},
      {"splitlines", [](const Value& s, const CallArgs& a) {
         Params p("splitlines", a, {"keepends"});
         return str_list(py_splitlines(s.as_string(), p.flag(0, false)));
       }},
      {"upper", [](const Value& s, const CallArgs& a) { Params("upper", a, {}); return Value::string(to_upper(s.as_string())); }},
      {"lower", [](const Value& s, const CallArgs& a) { Params("lower", a, {}); return Value::string(to_lower(s.as_string())); }},
      {"casefold", [](const Value& s, const CallArgs& a) { Params("casefold", a, {}); return Value::string(to_lower(s.as_string())); }},
      {"title", [](const Value& s, const CallArgs& a) { Params("title", a, {}); return Value::string(py_title(s.as_string())); }},
      {"capitalize", [](const Value& s, const CallArgs& a) { Params("capitalize", a, {}); return Value::string(py_capitalize(s.as_string())); }},
      {"replace", [](const Value& s, const CallArgs& a) {
         Params p("replace", a, {"old", "new", "count"});
         return Value::string(py_replace(s.as_string(), str_arg(p, 0, "replace"), str_arg(p, 1, "replace"), p.integer(2, -1)));
       }},
      {"find", [](const Value& s, const CallArgs& a) { return find_method(s, a, false, false); }},
      {"rfind", [](const Value& s, const CallArgs& a) { return find_method(s, a, true, false); }},
      {"index", [](const Value& s, const CallArgs& a) { return find_method(s, a, false, true); }},
      {"rindex", [](const Value& s, const CallArgs& a) { return find_method(s, a, true, true); }},
      {"count", [](const Value& s, const CallArgs& a) {
         Params p("count", a, {"sub"});
         return Value::integer(py_count(s.as_string(), str_arg(p, 0, "count")));
       }},
      {"join", str_join},
      {"format", brace_format},
      {"isdigit", [](const Value& s, const CallArgs&) { return is_all(s, is_digit); }},
      {"isalpha", [](const Value& s, const CallArgs&) { return is_all(s, is_alpha); }},
      {"isalnum", [](const Value& s, const CallArgs&) { return is_all(s, [](char32_t c) { return is_alpha(c) || is_digit(c); }); }},
      {"isspace", [](const Value& s, const CallArgs&) { return is_all(s, is_space); }},
      {"isupper", [](const Value& s, const CallArgs&) { return cased_check(s, true); }},
      {"islower", [](const Value& s, const CallArgs&) { return cased_check(s, false); }},
      {"ljust", [](const Value& s, const CallArgs& a) { return justify(s, a, -1); }},
      {"rjust", [](const Value& s, const CallArgs& a) { return justify(s, a, 1); }},
      {"center", [](const Value& s, const CallArgs& a) { return justify(s, a, 0); }},
      {"removeprefix", [](const Value& s, const CallArgs& a) {
         Params p("removeprefix", a, {"prefix"});
         const std::string& x = str_arg(p, 0, "removeprefix");
         return s.as_string().starts_with(x) ? Value::string(s.as_string().substr(x.size())) : s;
       }},
      {"removesuffix", [](const Value& s, const CallArgs& a) {
         Params p("removesuffix", a, {"suffix"});
         const std::string& x = str_arg(p, 0, "removesuffix");
         return !x.empty() && s.as_string().ends_with(x) ? Value::string(s.as_string().substr(0, s.as_string().size() - x.size())) : s;
       }},
  };
  return table;
}

Value dict_view(const Value& d, SeqKind kind) {
  List out;
  for (const auto& [k, v] : d.as_dict().entries) {
    if (kind == SeqKind::kDictKeys) out.push_back(k);
    if (kind == SeqKind::kDictValues) out.push_back(v);
    if (kind == SeqKind::kDictItems) out.push_back(Value::seq(List{k, v}, SeqKind::kTuple));
  }
  return Value::seq(std::move(out), kind);
}

const std::vector<std::pair<std::string_view, Method>>& dict_methods() {
  static const std::vector<std::pair<std::string_view, Method>> table = {
      {"items", [](const Value& d, const CallArgs& a) { Params("items", a, {}); return dict_view(d, SeqKind::kDictItems); }},
      {"keys", [](const Value& d, const CallArgs& a) { Params("keys", a, {}); return dict_view(d, SeqKind::kDictKeys); }},
      {"values", [](const Value& d, const CallArgs& a) { Params("values", a, {}); return dict_view(d, SeqKind::kDictValues); }},
      {"copy", [](const Value& d, const CallArgs& a) { Params("copy", a, {}); return d; }},
      {"get", [](const Value& d, const CallArgs& a) {
         Params p("get", a, {"key", "default"});
         const Value& key = p.get(0);
         if (key.is_dict() || (key.is_seq() && key.seq_kind() != SeqKind::kTuple)) {
           throw_error("unhashable type: '" + type_name(key) + "'");
         }
         const Value* v = d.as_dict().find(key);
         return v ? *v : p.get_or(1, Value::none());
       }},
  };
  return table;
}

const std::vector<std::pair<std::string_view, Method>>& list_methods() {
  static const std::vector<std::pair<std::string_view, Method>> table = {
      {"index", [](const Value& l, const CallArgs& a) {
         Params p("index", a, {"value"});
         const List& items = l.items();
         for (size_t i = 0; i < items.size(); ++i) {
           if (equals(items[i], p.get(0))) return Value::integer(static_cast<int64_t>(i));
         }
         throw_error(repr(p.get(0)) + " is not in " + type_name(l));
       }},
      {"count", [](const Value& l, const CallArgs& a) {
         Params p("count", a, {"value"});
         const List& items = l.items();
         return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return equals(v, p.get(0)); }));
       }},
      {"copy", [](const Value& l, const CallArgs& a) { Params("copy", a, {}); return l; }},
  };
  return table;
}

std::optional<Value> lookup(const std::vector<std::pair<std::string_view, Method>>& table, const Value& self,
                            std::string_view name) {
  for (const auto& [n, fn] : table) {
    if (n != name) continue;
    Method m = fn;
    return Value::object(std::make_shared<BuiltinFunction>(std::string(name), object_type_repr(self),
                                                           [self, m](const CallArgs& a) { return m(self, a); }));
  }
  return std::nullopt;
}

bool is_mutator(const Value& self, std::string_view name) {
  static constexpr std::array<std::string_view, 8> kList = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
  static constexpr std::array<std::string_view, 5> kDict = {"clear", "pop", "popitem", "setdefault", "update"};
  if (self.is_dict()) return std::find(kDict.begin(), kDict.end(), name) != kDict.end();
  if (self.is_seq() && self.seq_kind() == SeqKind::kList) return std::find(kList.begin(), kList.end(), name) != kList.end();
  return false;
}

}  // namespace

std::optional<Value> builtin_attribute(const Value& receiver, std::string_view name) {
  if (is_mutator(receiver, name)) {
    return Value::undefined("access to attribute '" + std::string(name) + "' of '" + type_name(receiver) +
                                "' object is unsafe.",
                            true);
  }
  if (receiver.is_string()) return lookup(str_methods(), receiver, name);
  if (receiver.is_dict()) return lookup(dict_methods(), receiver, name);
  if (receiver.is_list_like()) {
    if (name == "copy" && receiver.seq_kind() != SeqKind::kList) return std::nullopt;
    return lookup(list_methods(), receiver, name);
  }
  return std::nullopt;
}

}  // namespace llmcp::tokenizer::chat::jinja
