// jinja2's filters over sequences and mappings: first/last/list/join, map/select/reject and their
// attribute forms, items/dictsort/sort/unique/reverse, sum/min/max. Like jinja2, map/select/
// reject/items/unique return generators (no len(), always truthy); pass them through |list.
#include <algorithm>
#include <functional>
#include <utility>

#include "core/error.h"
#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

Value generator(List items) { return Value::seq(std::move(items), SeqKind::kGenerator); }

// jinja2's generator filters do all their work, argument checks included, when consumed; an
// error becomes a generator that raises it then.
template <Value (*Fn)(const Value&, const CallArgs&)>
Value lazy(const Value& in, const CallArgs& a) {
  try {
    return Fn(in, a);
  } catch (const core::Error& e) {
    return Value::failing_generator(e.what());
  }
}

Value ignore_case(const Value& v) { return v.is_string() ? Value::string(to_lower(v.as_string())) : v; }

// jinja2's make_attrgetter: "a.b.0" looks up item by item (digits as integers).
std::vector<Value> attribute_parts(const Value& attribute) {
  if (attribute.is_none() || attribute.is_undefined()) return {};
  if (attribute.is_integral()) return {Value::integer(attribute.as_int())};
  std::vector<Value> parts;
  const std::string s = to_str(attribute);
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string part = s.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    parts.push_back(digits && part.size() < 18 ? Value::integer(std::stoll(part)) : Value::string(part));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return parts;
}

Value lookup_path(Value item, const std::vector<Value>& parts) {
  for (const auto& part : parts) item = get_item(item, part);
  return item;
}

using Getter = std::function<Value(const Value&)>;
Getter attr_getter(const Value& attribute, bool lower, const Value* fallback = nullptr) {
  const auto parts = attribute_parts(attribute);
  const Value dflt = fallback ? *fallback : Value::none();
  const bool has_default = fallback && !fallback->is_none();
  return [parts, lower, dflt, has_default](const Value& item) {
    Value v = lookup_path(item, parts);
    if (has_default && v.is_undefined()) v = dflt;
    return lower ? ignore_case(v) : v;
  };
}

Value f_first(const Value& in, const CallArgs& a) {
  Params("first", a, {});
  const List items = iterate(in);
  return items.empty() ? Value::undefined("No first item, sequence was empty.") : items.front();
}

Value f_last(const Value& in, const CallArgs& a) {
  Params("last", a, {});
  if (in.is_seq() && in.seq_kind() == SeqKind::kGenerator) throw_error("'generator' object is not reversible");
  const List items = iterate(in);
  return items.empty() ? Value::undefined("No last item, sequence was empty.") : items.back();
}

Value f_join(const Value& in, const CallArgs& a) {
  Params p("join", a, {"d", "attribute"});
  const std::string sep = p.str(0, "");
  const Getter get = attr_getter(p.get_or(1, Value::none()), false);
  std::string out;
  bool first = true;
  for (const auto& item : iterate(in)) {
    if (!first) out += sep;
    first = false;
    out += to_str(p.has(1) ? get(item) : item);
    check_size(out.size());
  }
  return Value::string(std::move(out));
}

Value f_map(const Value& in, const CallArgs& a) {
  List out;
  if (!truthy(in)) return generator({});  // `if value:` before anything else, as jinja2
  if (a.positional.empty()) {
    const Value* attribute = nullptr;
    const Value* fallback = nullptr;
    for (const auto& [k, v] : a.keywords) {
      if (k == "attribute") attribute = &v;
      else if (k == "default") fallback = &v;
      else throw_error("Unexpected keyword argument '" + k + "'");
    }
    if (!attribute) throw_error("map requires a filter argument");
    const Getter get = attr_getter(*attribute, false, fallback);
    for (const auto& item : iterate(in)) out.push_back(get(item));
    return generator(std::move(out));
  }
  const std::string name = to_str(a.positional[0]);
  CallArgs rest{List(a.positional.begin() + 1, a.positional.end()), a.keywords};
  for (const auto& item : iterate(in)) out.push_back(apply_filter(name, item, rest));
  return generator(std::move(out));
}

// select/reject(test, *args) and selectattr/rejectattr(attribute, test, *args).
Value select(const Value& in, const CallArgs& a, bool keep, bool by_attribute) {
  if (!truthy(in)) return generator({});
  size_t off = 0;
  Getter get = [](const Value& v) { return v; };
  if (by_attribute) {
    if (a.positional.empty()) throw_error("Missing parameter for attribute name");
    get = attr_getter(a.positional[0], false);
    off = 1;
  }
  const bool has_test = a.positional.size() > off;
  const std::string test = has_test ? to_str(a.positional[off]) : "";
  CallArgs rest{has_test ? List(a.positional.begin() + off + 1, a.positional.end()) : List{}, a.keywords};
  List out;
  for (const auto& item : iterate(in)) {
    const Value v = get(item);
    const bool pass = has_test ? apply_test(test, v, rest) : truthy(v);
    if (pass == keep) out.push_back(item);
  }
  return generator(std::move(out));
}

Value f_select(const Value& in, const CallArgs& a) { return select(in, a, true, false); }
Value f_reject(const Value& in, const CallArgs& a) { return select(in, a, false, false); }
Value f_selectattr(const Value& in, const CallArgs& a) { return select(in, a, true, true); }
Value f_rejectattr(const Value& in, const CallArgs& a) { return select(in, a, false, true); }

Value f_items(const Value& in, const CallArgs& a) {
  Params("items", a, {});
  if (in.is_undefined()) return generator({});
  if (!in.is_dict()) throw_error("Can only get item pairs from a mapping.");
  List out;
  for (const auto& [k, v] : in.as_dict().entries) out.push_back(Value::seq(List{k, v}, SeqKind::kTuple));
  return generator(std::move(out));
}

List sorted(List items, const Getter& key, bool reverse) {
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(key(item), std::move(item));
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
    return reverse ? order(y.first, x.first) < 0 : order(x.first, y.first) < 0;
  });
  List out;
  for (auto& kv : keyed) out.push_back(std::move(kv.second));
  return out;
}

Value f_dictsort(const Value& in, const CallArgs& a) {
  Params p("dictsort", a, {"case_sensitive", "by", "reverse"});
  const std::string by = p.str(1, "key");
  if (by != "key" && by != "value") throw_error("You can only sort by either \"key\" or \"value\"");
  check_defined(in);
  if (!in.is_dict()) throw_error("'" + type_name(in) + "' object has no attribute 'items'");
  List pairs;
  for (const auto& [k, v] : in.as_dict().entries) pairs.push_back(Value::seq(List{k, v}, SeqKind::kTuple));
  const bool lower = !p.flag(0, false);
  const size_t pos = by == "key" ? 0 : 1;
  return Value::seq(sorted(std::move(pairs), [pos, lower](const Value& kv) {
    return lower ? ignore_case(kv.items()[pos]) : kv.items()[pos];
  }, p.flag(2, false)));
}

Value f_sort(const Value& in, const CallArgs& a) {
  Params p("sort", a, {"reverse", "case_sensitive", "attribute"});
  const bool lower = !p.flag(1, false);
  const Value attribute = p.get_or(2, Value::none());
  std::vector<Getter> getters;
  if (attribute.is_string()) {
    for (size_t start = 0;;) {
      const size_t comma = attribute.as_string().find(',', start);
      getters.push_back(attr_getter(Value::string(attribute.as_string().substr(start, comma - start)), lower));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    getters.push_back(attr_getter(attribute, lower));
  }
  return Value::seq(sorted(iterate(in), [getters](const Value& item) {
    List key;
    for (const auto& g : getters) key.push_back(g(item));
    return Value::seq(std::move(key));
  }, p.flag(0, false)));
}

Value f_unique(const Value& in, const CallArgs& a) {
  Params p("unique", a, {"case_sensitive", "attribute"});
  const Getter get = attr_getter(p.get_or(1, Value::none()), !p.flag(0, false));
  List out, seen;
  for (const auto& item : iterate(in)) {
    const Value key = get(item);
    if (key.is_dict() || (key.is_seq() && key.seq_kind() != SeqKind::kTuple)) {
      throw_error("unhashable type: '" + type_name(key) + "'");
    }
    if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, key); })) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return generator(std::move(out));
}

Value f_reverse(const Value& in, const CallArgs& a) {
  Params("reverse", a, {});
  if (in.is_string()) return slice(in, Value::none(), Value::none(), Value::integer(-1));
  List items = iterate(in);
  std::reverse(items.begin(), items.end());
  const bool was_generator = in.is_seq() && in.seq_kind() == SeqKind::kGenerator;
  return was_generator ? Value::seq(std::move(items)) : generator(std::move(items));
}

Value f_batch(const Value& in, const CallArgs& a) {
  Params p("batch", a, {"linecount", "fill_with"});
  check_defined(p.get(0));
  const int64_t linecount = p.integer(0, 1);
  List out, tmp;
  for (const auto& item : iterate(in)) {
    if (static_cast<int64_t>(tmp.size()) == linecount) out.push_back(Value::seq(std::exchange(tmp, {})));
    tmp.push_back(item);
  }
  if (!tmp.empty()) {
    if (p.has(1) && !p.get(1).is_none()) {
      while (static_cast<int64_t>(tmp.size()) < linecount) tmp.push_back(p.get(1));
    }
    out.push_back(Value::seq(std::move(tmp)));
  }
  return generator(std::move(out));
}

Value f_sum(const Value& in, const CallArgs& a) {
  Params p("sum", a, {"attribute", "start"});
  const Getter get = attr_getter(p.get_or(0, Value::none()), false);
  Value total = p.get_or(1, Value::integer(0));
  for (const auto& item : iterate(in)) {
    const Value v = get(item);
    if (v.is_string()) throw_error("sum() can't sum strings [use ''.join(seq) instead]");
    total = binary(BinOp::kAdd, total, v);
  }
  return total;
}

Value min_max(const Value& in, const CallArgs& a, bool want_max) {
  Params p(want_max ? "max" : "min", a, {"case_sensitive", "attribute"});
  const Getter key = attr_getter(p.get_or(1, Value::none()), !p.flag(0, false));
  const List items = iterate(in);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  size_t best = 0;
  Value best_key = key(items[0]);
  for (size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (want_max ? order(best_key, k) < 0 : order(k, best_key) < 0) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

}  // namespace

const NamedFilters& sequence_filters() {
  static const NamedFilters table = {
      {"first", f_first},
      {"last", f_last},
      {"list", [](const Value& in, const CallArgs& a) { Params("list", a, {}); return Value::seq(iterate(in)); }},
      {"join", f_join},
      {"map", lazy<f_map>},
      {"select", lazy<f_select>},
      {"reject", lazy<f_reject>},
      {"selectattr", lazy<f_selectattr>},
      {"rejectattr", lazy<f_rejectattr>},
      {"items", lazy<f_items>},
      {"dictsort", f_dictsort},
      {"sort", f_sort},
      {"unique", lazy<f_unique>},
      {"reverse", f_reverse},
      {"batch", lazy<f_batch>},
      {"sum", f_sum},
      {"min", [](const Value& in, const CallArgs& a) { return min_max(in, a, false); }},
      {"max", [](const Value& in, const CallArgs& a) { return min_max(in, a, true); }},
  };
  return table;
}

}  // namespace llmcp::tokenizer::chat::jinja
