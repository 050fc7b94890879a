// Everything a template can call that it did not define itself: filters (`x|trim`), tests
// (`x is defined`), the methods of str/list/dict (`s.strip()`), and the globals transformers'
// environment provides (range, namespace, dict, raise_exception, strftime_now).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

using FilterFn = Value (*)(const Value& input, const CallArgs& args);
using TestFn = bool (*)(const Value& input, const CallArgs& args);
using NamedFilters = std::vector<std::pair<std::string_view, FilterFn>>;

FilterFn find_filter(std::string_view name);  // nullptr when there is none
TestFn find_test(std::string_view name);
Value apply_filter(std::string_view name, const Value& input, const CallArgs& args);
bool apply_test(std::string_view name, const Value& input, const CallArgs& args);
const NamedFilters& string_filters();    // jinja_filters.cpp
const NamedFilters& sequence_filters();  // jinja_filters_seq.cpp

// The attribute `name` of a str, list, tuple or dict as the immutable sandbox exposes it: a bound
// method, an unsafe Undefined for methods that mutate (append, update, ...), or nullopt.
std::optional<Value> builtin_attribute(const Value& receiver, std::string_view name);

// range, namespace, dict, raise_exception, strftime_now.
const std::vector<std::pair<std::string, Value>>& global_functions();

// Binds a builtin's call arguments as Python binds them: positionally, then by keyword.
class Params {
 public:
  Params(std::string_view function, const CallArgs& args, std::vector<std::string_view> names,
         bool variadic = false);
  bool has(size_t i) const { return bound_[i] != nullptr; }
  const Value& get(size_t i) const;  // Undefined when not given
  Value get_or(size_t i, Value fallback) const { return has(i) ? *bound_[i] : std::move(fallback); }
  bool flag(size_t i, bool fallback) const;  // truthiness of the argument
  int64_t integer(size_t i, int64_t fallback) const;
  std::string str(size_t i, std::string fallback) const;  // str() of the argument
  const List& rest() const { return rest_; }               // positional arguments past `names`

 private:
  std::string function_;
  std::vector<const Value*> bound_;
  List rest_;
};

// jinja2's namespace(): the one object a template may change (`{% set ns.count = 1 %}`).
class Namespace : public Object {
 public:
  std::string type_name() const override { return "Namespace"; }
  std::string repr() const override;
  Value get_attr(std::string_view name) const override;
  bool is_namespace() const override { return true; }
  void set_attr(const std::string& name, Value v);
  Dict attrs;
};

class BuiltinFunction : public Object {
 public:
  using Fn = std::function<Value(const CallArgs&)>;
  BuiltinFunction(std::string name, std::string owner, Fn fn)
      : name_(std::move(name)), owner_(std::move(owner)), fn_(std::move(fn)) {}
  std::string type_name() const override { return "builtin_function_or_method"; }
  std::string repr() const override;
  bool callable() const override { return true; }
  Value call(const CallArgs& args, Interpreter&) override { return fn_(args); }

 private:
  std::string name_, owner_;  // owner: "dict object" for a bound method, empty for a function
  Fn fn_;
};

}  // namespace llmcp::tokenizer::chat::jinja
