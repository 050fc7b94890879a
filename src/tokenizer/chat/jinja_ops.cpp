// Python semantics of template values: str/repr, truthiness, comparison, membership, iteration,
// len() and the immutable sandbox's attribute and item lookup. Arithmetic is in jinja_arith.cpp.
#include "tokenizer/chat/jinja_ops.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_format.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

void repr_into(std::string& out, const Value& v, int depth);

void repr_items(std::string& out, const List& items, int depth) {
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    repr_into(out, items[i], depth + 1);
  }
}

void repr_into(std::string& out, const Value& v, int depth) {
  if (depth > 500) throw_error("value nested too deeply to print");
  check_size(out.size());
  switch (v.kind()) {
    case Value::Kind::kUndefined: out += "Undefined"; return;
    case Value::Kind::kString: out += string_repr(v.as_string()); return;
    case Value::Kind::kSeq: {
      const List& items = v.items();
      switch (v.seq_kind()) {
        case SeqKind::kList: out += "["; repr_items(out, items, depth); out += "]"; return;
        case SeqKind::kTuple:
          out += "(";
          repr_items(out, items, depth);
          out += items.size() == 1 ? ",)" : ")";
          return;
        case SeqKind::kGenerator: out += "<generator object>"; return;
        case SeqKind::kRange: out += v.range_repr(); return;
        case SeqKind::kDictKeys: out += "dict_keys(["; break;
        case SeqKind::kDictValues: out += "dict_values(["; break;
        case SeqKind::kDictItems: out += "dict_items(["; break;
      }
      repr_items(out, items, depth);
      out += "])";
      return;
    }
    case Value::Kind::kDict: {
      out += "{";
      bool first = true;
      for (const auto& [k, e] : v.as_dict().entries) {
        if (!first) out += ", ";
        first = false;
        repr_into(out, k, depth + 1);
        out += ": ";
        repr_into(out, e, depth + 1);
      }
      out += "}";
      return;
    }
    default: out += to_str(v); return;
  }
}

std::string cmp_symbol(CmpOp op) {
  switch (op) {
    case CmpOp::kLt: return "<";
    case CmpOp::kLe: return "<=";
    case CmpOp::kGt: return ">";
    case CmpOp::kGe: return ">=";
    default: return "==";
  }
}

int64_t normalize_index(int64_t i, int64_t n) { return i < 0 ? i + n : i; }

Value missing_element(const Value& obj, const Value& key) {
  if (key.is_string()) {
    return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + key.as_string() + "'");
  }
  return Value::undefined(object_type_repr(obj) + " has no element " + repr(key));
}

}  // namespace

void throw_error(const std::string& message) { LLMCP_FAIL(kInvalidArgument, message); }

void throw_undefined(const Value& v) {
  const std::string& hint = v.undefined_hint();
  throw_error(hint.empty() ? std::string("undefined value") : hint);
}

void check_size(size_t bytes) {
  if (bytes > kMaxStringBytes) {
    throw_error("the template built a string over " + std::to_string(kMaxStringBytes >> 20) + " MiB");
  }
}

std::string type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "Undefined";
    case Value::Kind::kNone: return "NoneType";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kFloat: return "float";
    case Value::Kind::kString: return "str";
    case Value::Kind::kSeq:
      switch (v.seq_kind()) {
        case SeqKind::kList: return "list";
        case SeqKind::kTuple: return "tuple";
        case SeqKind::kGenerator: return "generator";
        case SeqKind::kDictKeys: return "dict_keys";
        case SeqKind::kDictValues: return "dict_values";
        case SeqKind::kDictItems: return "dict_items";
        case SeqKind::kRange: return "range";
      }
      break;
    case Value::Kind::kDict: return "dict";
    case Value::Kind::kObject: return v.as_object().type_name();
  }
  return "object";
}

std::string object_type_repr(const Value& v) { return v.is_none() ? "None" : type_name(v) + " object"; }

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return false;
    case Value::Kind::kBool: return v.as_bool();
    case Value::Kind::kInt: return v.as_int() != 0;
    case Value::Kind::kFloat: return v.as_float() != 0.0;
    case Value::Kind::kString: return !v.as_string().empty();
    case Value::Kind::kSeq: return v.seq_kind() == SeqKind::kGenerator || !v.items().empty();
    case Value::Kind::kDict: return !v.as_dict().entries.empty();
    case Value::Kind::kObject: return true;
  }
  return false;
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "";
    case Value::Kind::kNone: return "None";
    case Value::Kind::kBool: return v.as_bool() ? "True" : "False";
    case Value::Kind::kInt: return std::to_string(v.as_int());
    case Value::Kind::kFloat: return float_repr(v.as_float());
    case Value::Kind::kString: return v.as_string();
    case Value::Kind::kObject: return v.as_object().repr();
    default: return repr(v);
  }
}

std::string repr(const Value& v) {
  std::string out;
  repr_into(out, v, 0);
  return out;
}

bool equals(const Value& a, const Value& b) {
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) return a.as_float() == b.as_float();
    return a.as_int() == b.as_int();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kSeq: {
      if (a.seq_kind() != b.seq_kind()) return false;
      if (a.seq_kind() == SeqKind::kGenerator) return a.items_ptr() == b.items_ptr();
      const List &x = a.items(), &y = b.items();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!equals(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const Dict &x = a.as_dict(), &y = b.as_dict();
      if (x.entries.size() != y.entries.size()) return false;
      for (const auto& [k, v] : x.entries) {
        const Value* other = y.find(k);
        if (!other || !equals(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kObject: return a.object_ptr() == b.object_ptr();
    default: return false;
  }
}

int order(const Value& a, const Value& b) {
  check_defined(a);
  check_defined(b);
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) {
      const double x = a.as_float(), y = b.as_float();
      return x < y ? -1 : (y < x ? 1 : 0);
    }
    return a.as_int() < b.as_int() ? -1 : (b.as_int() < a.as_int() ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) return a.as_string().compare(b.as_string()) < 0 ? -1 : (a.as_string() == b.as_string() ? 0 : 1);
  if (a.is_list_like() && b.is_list_like() && a.seq_kind() == b.seq_kind() && a.seq_kind() != SeqKind::kRange) {
    const List &x = a.items(), &y = b.items();
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return order(x[i], y[i]);
    }
    return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
  }
  throw_error("'<' not supported between instances of '" + type_name(a) + "' and '" + type_name(b) + "'");
}

bool compare(const Value& a, const Value& b, CmpOp op) {
  if (op == CmpOp::kEq) return equals(a, b);
  if (op == CmpOp::kNe) return !equals(a, b);
  int c = 0;
  try {
    c = order(a, b);
  } catch (const core::Error&) {
    if (a.is_undefined() || b.is_undefined()) throw;
    throw_error("'" + cmp_symbol(op) + "' not supported between instances of '" + type_name(a) + "' and '" +
                type_name(b) + "'");
  }
  switch (op) {
    case CmpOp::kLt: return c < 0;
    case CmpOp::kLe: return c <= 0;
    case CmpOp::kGt: return c > 0;
    default: return c >= 0;
  }
}

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kUndefined: return false;
    case Value::Kind::kString:
      if (!item.is_string()) {
        throw_error("'in <string>' requires string as left operand, not " + type_name(item));
      }
      return container.as_string().find(item.as_string()) != std::string::npos;
    case Value::Kind::kSeq:
      if (const std::string* error = container.pending_error()) throw_error(*error);
      for (const auto& e : container.items()) {
        if (equals(e, item)) return true;
      }
      return false;
    case Value::Kind::kDict:
      if (item.is_seq() && item.seq_kind() != SeqKind::kTuple) throw_error("unhashable type: '" + type_name(item) + "'");
      if (item.is_dict()) throw_error("unhashable type: 'dict'");
      return container.as_dict().find(item) != nullptr;
    default: throw_error("argument of type '" + type_name(container) + "' is not iterable");
  }
}

List iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return {};
    case Value::Kind::kSeq:
      if (const std::string* error = v.pending_error()) throw_error(*error);
      return v.items();
    case Value::Kind::kDict: {
      List keys;
      for (const auto& e : v.as_dict().entries) keys.push_back(e.first);
      return keys;
    }
    case Value::Kind::kString: {
      List chars;
      for (char32_t c : utf8_decode(v.as_string())) {
        std::string s;
        append_utf8(s, c);
        chars.push_back(Value::string(std::move(s)));
      }
      return chars;
    }
    default: throw_error("'" + type_name(v) + "' object is not iterable");
  }
}

std::optional<int64_t> length(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return 0;
    case Value::Kind::kString: return static_cast<int64_t>(utf8_length(v.as_string()));
    case Value::Kind::kSeq:
      if (v.seq_kind() == SeqKind::kGenerator) return std::nullopt;
      return static_cast<int64_t>(v.items().size());
    case Value::Kind::kDict: return static_cast<int64_t>(v.as_dict().entries.size());
    default: return std::nullopt;
  }
}

int64_t checked_length(const Value& v) {
  const auto n = length(v);
  if (!n) throw_error("object of type '" + type_name(v) + "' has no len()");
  return *n;
}

Value get_attr(const Value& obj, std::string_view name) {
  check_defined(obj);
  if (obj.is_object()) return obj.as_object().get_attr(name);
  if (auto method = builtin_attribute(obj, name)) return *method;
  if (obj.is_dict()) {
    if (const Value* v = obj.as_dict().find(name)) return *v;
  }
  return Value::undefined("'" + object_type_repr(obj) + "' has no attribute '" + std::string(name) + "'");
}

Value get_item(const Value& obj, const Value& key) {
  check_defined(obj);
  if (obj.is_dict()) {
    const bool unhashable = key.is_dict() || (key.is_seq() && key.seq_kind() != SeqKind::kTuple);
    if (!unhashable) {
      if (const Value* v = obj.as_dict().find(key)) return *v;
    }
  } else if ((obj.is_list_like() || obj.is_string()) && key.is_integral()) {
    if (obj.is_string()) {
      const std::u32string s = utf8_decode(obj.as_string());
      const int64_t i = normalize_index(key.as_int(), static_cast<int64_t>(s.size()));
      if (i >= 0 && i < static_cast<int64_t>(s.size())) {
        std::string out;
        append_utf8(out, s[i]);
        return Value::string(std::move(out));
      }
    } else {
      const List& items = obj.items();
      const int64_t i = normalize_index(key.as_int(), static_cast<int64_t>(items.size()));
      if (i >= 0 && i < static_cast<int64_t>(items.size())) return items[i];
    }
  } else if (obj.is_object() && key.is_string()) {
    return obj.as_object().get_attr(key.as_string());
  }
  if (key.is_string() && !obj.is_object()) {
    if (auto method = builtin_attribute(obj, key.as_string())) return *method;
  }
  return missing_element(obj, key);
}

Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step) {
  // jinja2 compiles slices to plain Python subscripts (not environment.getitem), so every failure
  // is an error rather than Undefined.
  check_defined(obj);
  if (obj.is_dict()) throw_error("unhashable type: 'slice'");
  if (!obj.is_string() && !obj.is_list_like()) throw_error("'" + type_name(obj) + "' object is not subscriptable");
  for (const Value* v : {&start, &stop, &step}) {
    if (!v->is_none() && !v->is_integral()) throw_error("slice indices must be integers or None or have an __index__ method");
  }
  const int64_t st = step.is_none() ? 1 : step.as_int();
  if (st == 0) throw_error("slice step cannot be zero");
  const std::u32string chars = obj.is_string() ? utf8_decode(obj.as_string()) : std::u32string();
  const int64_t n = obj.is_string() ? static_cast<int64_t>(chars.size()) : static_cast<int64_t>(obj.items().size());
  const int64_t lower = st > 0 ? 0 : -1, upper = st > 0 ? n : n - 1;
  auto adjust = [&](const Value& v, int64_t dflt) {
    if (v.is_none()) return dflt;
    int64_t i = v.as_int();
    if (i < 0) i = i < -n ? lower : i + n;  // avoid overflow near INT64_MIN
    return std::min(std::max(i, lower), upper);
  };
  const int64_t b = adjust(start, st > 0 ? lower : upper), e = adjust(stop, st > 0 ? upper : lower);
  std::vector<int64_t> picks;
  for (int64_t i = b; st > 0 ? i < e : i > e;) {
    picks.push_back(i);
    if (__builtin_add_overflow(i, st, &i)) break;
  }
  if (obj.is_string()) {
    std::u32string out;
    for (int64_t i : picks) out.push_back(chars[i]);
    return Value::string(utf8_encode(out));
  }
  List out;
  for (int64_t i : picks) out.push_back(obj.items()[i]);
  return Value::seq(std::move(out), obj.seq_kind() == SeqKind::kRange ? SeqKind::kList : obj.seq_kind());
}

}  // namespace llmcp::tokenizer::chat::jinja
