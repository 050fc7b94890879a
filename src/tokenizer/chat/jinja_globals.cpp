// The functions transformers' template environment defines (range, namespace, dict,
// raise_exception, strftime_now), the namespace object, and Python-style argument binding for
// every builtin.
#include <cmath>
#include <ctime>
#include <memory>

#include "core/error.h"
#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_ops.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

constexpr int64_t kMaxRange = 100000;  // jinja2's sandbox refuses longer ranges

Value range_fn(const CallArgs& a) {
  if (!a.keywords.empty()) throw_error("range() takes no keyword arguments");
  const auto& p = a.positional;
  if (p.empty() || p.size() > 3) throw_error("range expected 1 to 3 arguments, got " + std::to_string(p.size()));
  for (const auto& v : p) {
    check_defined(v);
    if (!v.is_integral()) throw_error("'" + type_name(v) + "' object cannot be interpreted as an integer");
  }
  const int64_t start = p.size() == 1 ? 0 : p[0].as_int();
  const int64_t stop = p.size() == 1 ? p[0].as_int() : p[1].as_int();
  const int64_t step = p.size() == 3 ? p[2].as_int() : 1;
  if (step == 0) throw_error("range() arg 3 must not be zero");
  const long double count = step > 0 ? (static_cast<long double>(stop) - start + step - 1) / step
                                     : (static_cast<long double>(start) - stop - step - 1) / -step;
  if (count > kMaxRange) {
    throw_error("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + std::to_string(kMaxRange) + ").");
  }
  List out;
  const int64_t n = count <= 0 ? 0 : static_cast<int64_t>(std::floor(count));
  for (int64_t k = 0; k < n; ++k) out.push_back(Value::integer(start + k * step));
  std::string text = "range(" + std::to_string(start) + ", " + std::to_string(stop);
  if (step != 1) text += ", " + std::to_string(step);
  return Value::range(std::move(out), text + ")");
}

Dict dict_from_args(const CallArgs& a, const char* fn) {
  Dict d;
  if (a.positional.size() > 1) throw_error(std::string(fn) + " expected at most 1 argument");
  if (!a.positional.empty()) {
    const Value& src = a.positional[0];
    if (src.is_dict()) {
      d = src.as_dict();
    } else {
      for (const auto& pair : iterate(src)) {
        const List kv = iterate(pair);
        if (kv.size() != 2) throw_error("dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : a.keywords) d.set(Value::string(k), v);
  return d;
}

Value strftime_now(const CallArgs& a) {
  Params p("strftime_now", a, {"format"});
  const Value& f = p.get(0);
  if (!f.is_string()) throw_error("strftime() argument 1 must be str, not " + type_name(f));
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::string buf(256 + f.as_string().size() * 8, '\0');
  const size_t n = std::strftime(buf.data(), buf.size(), f.as_string().c_str(), &local);
  buf.resize(n);
  return Value::string(std::move(buf));
}

Value function(const std::string& name, BuiltinFunction::Fn fn) {
  return Value::object(std::make_shared<BuiltinFunction>(name, "", std::move(fn)));
}

}  // namespace

Params::Params(std::string_view function, const CallArgs& args, std::vector<std::string_view> names, bool variadic)
    : function_(function), bound_(names.size(), nullptr) {
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < names.size()) {
      bound_[i] = &args.positional[i];
    } else if (variadic) {
      rest_.push_back(args.positional[i]);
    } else {
      throw_error(function_ + "() takes at most " + std::to_string(names.size()) + " argument(s) (" +
                  std::to_string(args.positional.size()) + " given)");
    }
  }
  for (const auto& [key, value] : args.keywords) {
    size_t i = 0;
    while (i < names.size() && names[i] != key) ++i;
    if (i == names.size()) throw_error(function_ + "() got an unexpected keyword argument '" + key + "'");
    if (bound_[i]) throw_error(function_ + "() got multiple values for argument '" + key + "'");
    bound_[i] = &value;
  }
}

const Value& Params::get(size_t i) const {
  static const Value kMissing;
  return bound_[i] ? *bound_[i] : kMissing;
}

bool Params::flag(size_t i, bool fallback) const { return has(i) ? truthy(get(i)) : fallback; }

int64_t Params::integer(size_t i, int64_t fallback) const {
  if (!has(i) || get(i).is_none()) return fallback;
  check_defined(get(i));
  if (!get(i).is_integral()) {
    throw_error(function_ + "(): '" + type_name(get(i)) + "' object cannot be interpreted as an integer");
  }
  return get(i).as_int();
}

std::string Params::str(size_t i, std::string fallback) const { return has(i) ? to_str(get(i)) : std::move(fallback); }

std::string Namespace::repr() const {
  return "<Namespace " + jinja::repr(Value::dict(attrs)) + ">";
}

Value Namespace::get_attr(std::string_view name) const {
  if (const Value* v = attrs.find(name)) return *v;
  return Object::get_attr(name);
}

void Namespace::set_attr(const std::string& name, Value v) { attrs.set(Value::string(name), std::move(v)); }

std::string BuiltinFunction::repr() const {
  return owner_.empty() ? "<built-in function " + name_ + ">" : "<built-in method " + name_ + " of " + owner_ + ">";
}

const std::vector<std::pair<std::string, Value>>& global_functions() {
  static const std::vector<std::pair<std::string, Value>> globals = {
      {"range", function("range", range_fn)},
      {"dict", function("dict", [](const CallArgs& a) { return Value::dict(dict_from_args(a, "dict")); })},
      {"namespace", function("namespace", [](const CallArgs& a) {
         auto ns = std::make_shared<Namespace>();
         ns->attrs = dict_from_args(a, "namespace");
         return Value::object(ns);
       })},
      {"raise_exception", function("raise_exception", [](const CallArgs& a) -> Value {
         Params p("raise_exception", a, {"message"});
         LLMCP_FAIL(kInvalidArgument, to_str(p.get(0)));
       })},
      {"strftime_now", function("strftime_now", strftime_now)},
  };
  return globals;
}

}  // namespace llmcp::tokenizer::chat::jinja
