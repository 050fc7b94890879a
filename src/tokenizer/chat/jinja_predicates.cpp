// jinja2's tests (`x is defined`, `n is divisibleby 3`, `x is equalto 'user'`) with Python's type
// rules: bool counts as a number, Undefined is iterable, a dict is a sequence, a generator is not.
#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_unicode.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

using NamedTests = std::vector<std::pair<std::string_view, TestFn>>;

const Value& operand(const CallArgs& a, const char* test) {
  Params p(test, a, {"other"});
  if (!p.has(0)) throw_error(std::string("test '") + test + "' needs an argument");
  return p.get(0);
}

bool no_args(const CallArgs& a, const char* test) {
  Params(test, a, {});
  return true;
}

// `value % m == want`, with Python's equality (1.0 == 1, 0.5 is neither odd nor even).
bool remainder_is(const Value& v, const Value& m, int64_t want) {
  return equals(binary(BinOp::kMod, v, m), Value::integer(want));
}

bool cmp_test(const Value& v, const CallArgs& a, const char* name, CmpOp op) { return compare(v, operand(a, name), op); }

bool case_test(const Value& v, bool upper) {
  bool any = false;
  for (char32_t c : utf8_decode(to_str(v))) {
    if (upper ? is_lower(c) : is_upper(c)) return false;
    any = any || (upper ? is_upper(c) : is_lower(c));
  }
  return any;
}

bool same_as(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kSeq: return a.items_ptr() == b.items_ptr();
    case Value::Kind::kObject: return a.object_ptr() == b.object_ptr();
    case Value::Kind::kDict: return &a.as_dict() == &b.as_dict();
    case Value::Kind::kFloat:
    case Value::Kind::kString: return false;  // distinct objects in CPython unless literally shared
    default: return equals(a, b);
  }
}

const NamedTests& tests() {
  static const NamedTests table = {
      {"defined", [](const Value& v, const CallArgs& a) { return no_args(a, "defined") && !v.is_undefined(); }},
      {"undefined", [](const Value& v, const CallArgs& a) { return no_args(a, "undefined") && v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs& a) { return no_args(a, "none") && v.is_none(); }},
      {"boolean", [](const Value& v, const CallArgs& a) { return no_args(a, "boolean") && v.is_bool(); }},
      {"true", [](const Value& v, const CallArgs& a) { return no_args(a, "true") && v.is_bool() && v.as_bool(); }},
      {"false", [](const Value& v, const CallArgs& a) { return no_args(a, "false") && v.is_bool() && !v.as_bool(); }},
      {"integer", [](const Value& v, const CallArgs& a) { return no_args(a, "integer") && v.is_int(); }},
      {"float", [](const Value& v, const CallArgs& a) { return no_args(a, "float") && v.is_float(); }},
      {"number", [](const Value& v, const CallArgs& a) { return no_args(a, "number") && v.is_numeric(); }},
      {"string", [](const Value& v, const CallArgs& a) { return no_args(a, "string") && v.is_string(); }},
      {"mapping", [](const Value& v, const CallArgs& a) { return no_args(a, "mapping") && v.is_dict(); }},
      {"sequence", [](const Value& v, const CallArgs& a) {
         return no_args(a, "sequence") && (v.is_undefined() || v.is_string() || v.is_list_like() || v.is_dict());
       }},
      {"iterable", [](const Value& v, const CallArgs& a) {
         return no_args(a, "iterable") && (v.is_undefined() || v.is_string() || v.is_seq() || v.is_dict());
       }},
      {"callable", [](const Value& v, const CallArgs& a) {
         // Undefined defines __call__ (to raise), so Python calls it callable.
         return no_args(a, "callable") && (v.is_undefined() || (v.is_object() && v.as_object().callable()));
       }},
      {"odd", [](const Value& v, const CallArgs& a) { return no_args(a, "odd") && remainder_is(v, Value::integer(2), 1); }},
      {"even", [](const Value& v, const CallArgs& a) { return no_args(a, "even") && remainder_is(v, Value::integer(2), 0); }},
      {"divisibleby", [](const Value& v, const CallArgs& a) {
         return remainder_is(v, operand(a, "divisibleby"), 0);
       }},
      {"eq", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "eq", CmpOp::kEq); }},
      {"equalto", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "equalto", CmpOp::kEq); }},
      {"==", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "==", CmpOp::kEq); }},
      {"ne", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "ne", CmpOp::kNe); }},
      {"!=", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "!=", CmpOp::kNe); }},
      {"lt", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "lt", CmpOp::kLt); }},
      {"lessthan", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "lessthan", CmpOp::kLt); }},
      {"<", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "<", CmpOp::kLt); }},
      {"le", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "le", CmpOp::kLe); }},
      {"<=", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "<=", CmpOp::kLe); }},
      {"gt", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "gt", CmpOp::kGt); }},
      {"greaterthan", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "greaterthan", CmpOp::kGt); }},
      {">", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, ">", CmpOp::kGt); }},
      {"ge", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, "ge", CmpOp::kGe); }},
      {">=", [](const Value& v, const CallArgs& a) { return cmp_test(v, a, ">=", CmpOp::kGe); }},
      {"in", [](const Value& v, const CallArgs& a) { return contains(operand(a, "in"), v); }},
      {"sameas", [](const Value& v, const CallArgs& a) { return same_as(v, operand(a, "sameas")); }},
      {"lower", [](const Value& v, const CallArgs& a) { return no_args(a, "lower") && case_test(v, false); }},
      {"upper", [](const Value& v, const CallArgs& a) { return no_args(a, "upper") && case_test(v, true); }},
      {"escaped", [](const Value&, const CallArgs& a) { return !no_args(a, "escaped"); }},
      {"filter", [](const Value& v, const CallArgs& a) { return no_args(a, "filter") && v.is_string() && find_filter(v.as_string()); }},
      {"test", [](const Value& v, const CallArgs& a) { return no_args(a, "test") && v.is_string() && find_test(v.as_string()); }},
  };
  return table;
}

}  // namespace

TestFn find_test(std::string_view name) {
  for (const auto& [n, fn] : tests()) {
    if (n == name) return fn;
  }
  return nullptr;
}

bool apply_test(std::string_view name, const Value& input, const CallArgs& args) {
  const TestFn fn = find_test(name);
  if (!fn) throw_error("No test named '" + std::string(name) + "' found.");
  return fn(input, args);
}

}  // namespace llmcp::tokenizer::chat::jinja
