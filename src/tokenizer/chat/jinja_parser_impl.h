// The parser's internal class, shared by jinja_parser.cpp (statements) and jinja_parser_expr.cpp
// (expressions). Method names follow jinja2's parser.py so the two can be read side by side.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat/jinja_ast.h"
#include "tokenizer/chat/jinja_lexer.h"

namespace llmcp::tokenizer::chat::jinja {

using Names = std::vector<std::string_view>;

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}
  Body parse();

  // Statements.
  Body subparse(const Names& end_names);
  Body parse_statements(const Names& end_names, bool drop_needle);
  StmtPtr parse_statement();
  StmtPtr parse_for();
  StmtPtr parse_if();
  StmtPtr parse_set();
  StmtPtr parse_macro();
  StmtPtr parse_with();
  Target parse_assign_target(const Names& extra_end, bool with_namespace);

  // Expressions.
  ExprPtr parse_tuple(bool simplified, bool with_condexpr, const Names& extra_end, bool explicit_parentheses);
  ExprPtr parse_expression(bool with_condexpr = true);
  ExprPtr parse_condexpr();
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  ExprPtr parse_compare();
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  ExprPtr parse_postfix(ExprPtr node);
  ExprPtr parse_filter_expr(ExprPtr node);
  ExprPtr parse_subscript(ExprPtr node);
  ExprPtr parse_subscribed();
  void parse_call_args(Expr& call);
  ExprPtr parse_filter(ExprPtr node, bool start_inline);
  ExprPtr parse_test(ExprPtr node);

  // Tokens.
  const Token& cur() const { return t_[i_]; }
  const Token& look() const { return t_[i_ + 1 < t_.size() ? i_ + 1 : i_]; }
  Token next();
  bool is_op(std::string_view op) const { return cur().type == Tok::kOp && cur().text == op; }
  bool is_name(std::string_view name) const { return cur().type == Tok::kName && cur().text == name; }
  bool is_any_name(const Names& names) const;
  bool skip_op(std::string_view op);
  bool skip_name(std::string_view name);
  void expect_op(std::string_view op);
  Token expect_name();
  void expect(Tok type);
  [[noreturn]] void fail(const std::string& message) const { fail_at(cur().pos, message); }
  static std::string describe(const Token& t);
  static ExprPtr node(ExprKind kind, Pos pos);

  // Guards the C++ stack against pathological nesting.
  struct DepthGuard {
    explicit DepthGuard(Parser& p);
    ~DepthGuard() { --p.depth_; }
    Parser& p;
  };

 private:
  std::vector<Token> t_;
  size_t i_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;  // break/continue are only valid inside a loop body
};

// After parsing: unknown filters and tests fail (unless deferred), macros learn whether their body
// uses varargs/kwargs.
void check_template(Body& body);

}  // namespace llmcp::tokenizer::chat::jinja
