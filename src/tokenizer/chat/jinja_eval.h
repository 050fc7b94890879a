// Runs a parsed template: jinja2's scoping (a for-loop iteration and a macro call see the
// enclosing variables but their `set`s stay inside; if-blocks share their scope), loop objects,
// macros, break/continue, and errors that name the failing node's line and column. One
// Interpreter per render, so renders of a shared template never share mutable state.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/chat/jinja_ast.h"
#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

struct Scope {
  std::shared_ptr<Scope> parent;
  std::vector<std::pair<std::string, Value>> vars;

  explicit Scope(std::shared_ptr<Scope> p = nullptr) : parent(std::move(p)) {}
  const Value* find(std::string_view name) const;  // this scope, then its parents
  void set(const std::string& name, Value v);       // in this scope
};
using ScopePtr = std::shared_ptr<Scope>;

class Interpreter {
 public:
  // Limits that turn runaway templates into errors: loop iterations plus macro calls per render,
  // and macro recursion depth.
  static constexpr int64_t kMaxSteps = 1'000'000;
  static constexpr int kMaxCallDepth = 200;

  std::string render(const Body& body, ScopePtr context);
  Value call_macro(const Stmt& macro, const ScopePtr& closure, const CallArgs& args);

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  Flow exec(const Body& body, std::string& out);
  Flow exec_stmt(const Stmt& s, std::string& out);
  Flow exec_for(const Stmt& s, std::string& out);
  void assign(const Target& t, const Value& v, Scope& scope);
  Value eval(const Expr& e);
  Value eval_inner(const Expr& e);
  Value eval_call(const Expr& e);
  Value eval_compare(const Expr& e);
  CallArgs eval_args(const Expr& e, size_t first);
  void step();

  ScopePtr scope_;
  const Value* block_input_ = nullptr;  // the rendered body a filter block or set block filters
  int64_t steps_ = 0;
  int call_depth_ = 0;
};

}  // namespace llmcp::tokenizer::chat::jinja
