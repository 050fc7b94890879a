// The objects a render creates for the template: jinja2's LoopContext (`loop.index`, `loop.cycle`,
// ...) and macros. A macro holds its defining scope weakly: scopes hold their macros, so a
// strong pointer would be a reference cycle.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tokenizer/chat/jinja_eval.h"
#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

// One object per loop, advanced in place (a saved `loop` sees the current iteration, as in Python).
class LoopObject : public Object {
 public:
  explicit LoopObject(ListPtr items);
  std::string type_name() const override { return "LoopContext"; }
  std::string repr() const override;
  Value get_attr(std::string_view name) const override;
  size_t index = 0;

 private:
  ListPtr items_;
  std::shared_ptr<std::optional<List>> last_changed_;  // loop.changed()'s memory
};

class MacroObject : public Object {
 public:
  MacroObject(const Stmt& def, const ScopePtr& closure) : def_(def), closure_(closure) {}
  std::string type_name() const override { return "Macro"; }
  std::string repr() const override { return "<Macro '" + def_.text + "'>"; }
  bool callable() const override { return true; }
  Value call(const CallArgs& args, Interpreter& in) override;
  Value get_attr(std::string_view name) const override;

 private:
  const Stmt& def_;
  std::weak_ptr<Scope> closure_;
};

}  // namespace llmcp::tokenizer::chat::jinja
