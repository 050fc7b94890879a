// LoopContext and macro objects for the evaluator.
#include "tokenizer/chat/jinja_objects.h"

#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_ops.h"

namespace llmcp::tokenizer::chat::jinja {

LoopObject::LoopObject(ListPtr items)
    : items_(std::move(items)), last_changed_(std::make_shared<std::optional<List>>()) {}

std::string LoopObject::repr() const {
  return "<LoopContext " + std::to_string(index + 1) + "/" + std::to_string(items_->size()) + ">";
}

Value LoopObject::get_attr(std::string_view name) const {
  const auto n = static_cast<int64_t>(items_->size());
  const auto i = static_cast<int64_t>(index);
  if (name == "index") return Value::integer(i + 1);
  if (name == "index0") return Value::integer(i);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(1);
  if (name == "depth0") return Value::integer(0);
  if (name == "previtem") return i > 0 ? (*items_)[i - 1] : Value::undefined("there is no previous item");
  if (name == "nextitem") return i + 1 < n ? (*items_)[i + 1] : Value::undefined("there is no next item");
  if (name == "cycle") {
    return Value::object(std::make_shared<BuiltinFunction>("cycle", "LoopContext object", [i](const CallArgs& a) {
      if (a.positional.empty()) throw_error("no items for cycling given");
      return a.positional[static_cast<size_t>(i) % a.positional.size()];
    }));
  }
  if (name == "changed") {
    auto last = last_changed_;
    return Value::object(std::make_shared<BuiltinFunction>("changed", "LoopContext object", [last](const CallArgs& a) {
      const Value now = Value::seq(a.positional, SeqKind::kTuple);
      if (*last && equals(Value::seq(**last, SeqKind::kTuple), now)) return Value::boolean(false);
      *last = a.positional;
      return Value::boolean(true);
    }));
  }
  return Object::get_attr(name);
}

Value MacroObject::call(const CallArgs& args, Interpreter& in) {
  const ScopePtr closure = closure_.lock();
  if (!closure) throw_error("macro '" + def_.text + "' was called after the block that defined it ended");
  return in.call_macro(def_, closure, args);
}

Value MacroObject::get_attr(std::string_view name) const {
  if (name == "name") return Value::string(def_.text);
  return Object::get_attr(name);
}

}  // namespace llmcp::tokenizer::chat::jinja
