// Expression parsing, following jinja2's parser.py precedence climb from parse_tuple down to
// parse_primary, with postfix subscripts/calls and the filter/test chain.
#include "tokenizer/chat/jinja_parser_impl.h"

namespace llmcp::tokenizer::chat::jinja {

ExprPtr Parser::node(ExprKind kind, Pos pos) {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  return e;
}

ExprPtr Parser::parse_tuple(bool simplified, bool with_condexpr, const Names& extra_end, bool explicit_parentheses) {
  const Pos pos = cur().pos;
  std::vector<ExprPtr> args;
  bool is_tuple = false;
  while (true) {
    if (!args.empty()) expect_op(",");
    const bool at_end = cur().type == Tok::kVarEnd || cur().type == Tok::kBlockEnd || is_op(")") || is_any_name(extra_end);
    if (at_end) break;
    args.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
    if (!is_op(",")) break;
    is_tuple = true;
  }
  if (!is_tuple) {
    if (!args.empty()) return std::move(args[0]);
    if (!explicit_parentheses) fail("Expected an expression, got '" + describe(cur()) + "'");
  }
  auto t = node(ExprKind::kTuple, pos);
  t->children = std::move(args);
  return t;
}

ExprPtr Parser::parse_expression(bool with_condexpr) { return with_condexpr ? parse_condexpr() : parse_or(); }

ExprPtr Parser::parse_condexpr() {
  const Pos pos = cur().pos;
  ExprPtr expr1 = parse_or();
  while (skip_name("if")) {
    auto c = node(ExprKind::kCondExpr, pos);
    c->children.push_back(parse_or());
    c->children.push_back(std::move(expr1));
    c->children.push_back(skip_name("else") ? parse_condexpr() : nullptr);
    expr1 = std::move(c);
  }
  return expr1;
}

ExprPtr Parser::parse_or() {
  ExprPtr left = parse_and();
  while (cur().type == Tok::kName && cur().text == "or") {
    auto e = node(ExprKind::kOr, next().pos);
    e->children.push_back(std::move(left));
    e->children.push_back(parse_and());
    left = std::move(e);
  }
  return left;
}

ExprPtr Parser::parse_and() {
  ExprPtr left = parse_not();
  while (cur().type == Tok::kName && cur().text == "and") {
    auto e = node(ExprKind::kAnd, next().pos);
    e->children.push_back(std::move(left));
    e->children.push_back(parse_not());
    left = std::move(e);
  }
  return left;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(*this);
    auto e = node(ExprKind::kNot, next().pos);
    e->children.push_back(parse_not());
    return e;
  }
  return parse_compare();
}

ExprPtr Parser::parse_compare() {
  const Pos pos = cur().pos;
  ExprPtr first = parse_math1();
  auto cmp = node(ExprKind::kCompare, pos);
  while (true) {
    static const std::vector<std::pair<std::string_view, CompareOp>> kOps = {
        {"==", CompareOp::kEq}, {"!=", CompareOp::kNe}, {"<", CompareOp::kLt},
        {"<=", CompareOp::kLe}, {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
    bool matched = false;
    for (const auto& [text, op] : kOps) {
      if (is_op(text)) {
        next();
        cmp->compare_ops.push_back(op);
        matched = true;
        break;
      }
    }
    if (!matched && skip_name("in")) {
      cmp->compare_ops.push_back(CompareOp::kIn);
    } else if (!matched && is_name("not") && look().type == Tok::kName && look().text == "in") {
      next();
      next();
      cmp->compare_ops.push_back(CompareOp::kNotIn);
    } else if (!matched) {
      break;
    }
    if (cmp->children.empty()) cmp->children.push_back(std::move(first));
    cmp->children.push_back(parse_math1());
  }
  return cmp->compare_ops.empty() ? std::move(first) : std::move(cmp);
}

namespace {
ExprPtr binary_node(Pos pos, BinOp op, ExprPtr l, ExprPtr r) {
  auto e = Parser::node(ExprKind::kBinary, pos);
  e->op = op;
  e->children.push_back(std::move(l));
  e->children.push_back(std::move(r));
  return e;
}
}  // namespace

ExprPtr Parser::parse_math1() {
  ExprPtr left = parse_concat();
  while (is_op("+") || is_op("-")) {
    const Token t = next();
    left = binary_node(t.pos, t.text == "+" ? BinOp::kAdd : BinOp::kSub, std::move(left), parse_concat());
  }
  return left;
}

ExprPtr Parser::parse_concat() {
  const Pos pos = cur().pos;
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto e = node(ExprKind::kConcat, pos);
  e->children.push_back(std::move(first));
  while (skip_op("~")) e->children.push_back(parse_math2());
  return e;
}

ExprPtr Parser::parse_math2() {
  ExprPtr left = parse_pow();
  while (is_op("*") || is_op("/") || is_op("//") || is_op("%")) {
    const Token t = next();
    const BinOp op = t.text == "*" ? BinOp::kMul : t.text == "/" ? BinOp::kDiv : t.text == "//" ? BinOp::kFloorDiv : BinOp::kMod;
    left = binary_node(t.pos, op, std::move(left), parse_pow());
  }
  return left;
}

ExprPtr Parser::parse_pow() {
  ExprPtr left = parse_unary(true);
  while (is_op("**")) {
    const Token t = next();
    left = binary_node(t.pos, BinOp::kPow, std::move(left), parse_unary(true));
  }
  return left;
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  ExprPtr n;
  if (is_op("-") || is_op("+")) {
    const Token t = next();
    n = node(t.text == "-" ? ExprKind::kNeg : ExprKind::kPos, t.pos);
    n->children.push_back(parse_unary(false));
  } else {
    n = parse_primary();
  }
  n = parse_postfix(std::move(n));
  if (with_filter) n = parse_filter_expr(std::move(n));
  return n;
}

ExprPtr Parser::parse_primary() {
  DepthGuard guard(*this);
  const Token& t = cur();
  ExprPtr n;
  if (t.type == Tok::kName) {
    n = node(ExprKind::kConst, t.pos);
    if (t.text == "true" || t.text == "True" || t.text == "false" || t.text == "False") {
      n->value = Value::boolean(t.text == "true" || t.text == "True");
    } else if (t.text == "none" || t.text == "None") {
      n->value = Value::none();
    } else {
      n->kind = ExprKind::kName;
      n->name = t.text;
    }
    next();
  } else if (t.type == Tok::kString) {
    n = node(ExprKind::kConst, t.pos);
    std::string s;
    while (cur().type == Tok::kString) s += next().text;
    n->value = Value::string(std::move(s));
  } else if (t.type == Tok::kInt || t.type == Tok::kFloat) {
    n = node(ExprKind::kConst, t.pos);
    n->value = t.type == Tok::kInt ? Value::integer(t.int_value) : Value::number(t.float_value);
    next();
  } else if (is_op("(")) {
    next();
    n = parse_tuple(false, true, {}, true);
    expect_op(")");
  } else if (is_op("[")) {
    n = node(ExprKind::kList, next().pos);
    while (!is_op("]")) {
      if (!n->children.empty()) expect_op(",");
      if (is_op("]")) break;
      n->children.push_back(parse_expression());
    }
    expect_op("]");
  } else if (is_op("{")) {
    n = node(ExprKind::kDict, next().pos);
    while (!is_op("}")) {
      if (!n->children.empty()) expect_op(",");
      if (is_op("}")) break;
      n->children.push_back(parse_expression());
      expect_op(":");
      n->children.push_back(parse_expression());
    }
    expect_op("}");
  } else {
    fail("unexpected '" + describe(t) + "'");
  }
  return n;
}

ExprPtr Parser::parse_postfix(ExprPtr n) {
  while (true) {
    if (is_op(".") || is_op("[")) {
      n = parse_subscript(std::move(n));
    } else if (is_op("(")) {
      auto call = node(ExprKind::kCall, n->pos);
      call->children.push_back(std::move(n));
      parse_call_args(*call);
      n = std::move(call);
    } else {
      return n;
    }
  }
}

ExprPtr Parser::parse_filter_expr(ExprPtr n) {
  while (true) {
    if (is_op("|")) {
      n = parse_filter(std::move(n), false);
    } else if (is_name("is")) {
      n = parse_test(std::move(n));
    } else if (is_op("(")) {
      auto call = node(ExprKind::kCall, n->pos);
      call->children.push_back(std::move(n));
      parse_call_args(*call);
      n = std::move(call);
    } else {
      return n;
    }
  }
}

ExprPtr Parser::parse_subscript(ExprPtr n) {
  DepthGuard guard(*this);
  const Token t = next();
  if (t.text == ".") {
    const Token attr = next();
    if (attr.type == Tok::kName) {
      auto e = node(ExprKind::kGetattr, n->pos);
      e->name = attr.text;
      e->children.push_back(std::move(n));
      return e;
    }
    if (attr.type != Tok::kInt) fail_at(attr.pos, "expected name or number");
    auto e = node(ExprKind::kGetitem, n->pos);
    e->children.push_back(std::move(n));
    e->children.push_back(node(ExprKind::kConst, attr.pos));
    e->children.back()->value = Value::integer(attr.int_value);
    return e;
  }
  std::vector<ExprPtr> args;
  while (!is_op("]")) {
    if (!args.empty()) expect_op(",");
    args.push_back(parse_subscribed());
  }
  expect_op("]");
  if (args.size() == 1 && args[0]->kind == ExprKind::kSlice) {
    args[0]->pos = n->pos;
    args[0]->children[0] = std::move(n);
    return std::move(args[0]);
  }
  auto e = node(ExprKind::kGetitem, n->pos);
  e->children.push_back(std::move(n));
  if (args.size() == 1) {
    e->children.push_back(std::move(args[0]));
  } else {
    auto tuple = node(ExprKind::kTuple, t.pos);
    for (auto& a : args) {
      if (a->kind == ExprKind::kSlice) fail_at(a->pos, "multi-dimensional slices are not supported");
      tuple->children.push_back(std::move(a));
    }
    e->children.push_back(std::move(tuple));
  }
  return e;
}

ExprPtr Parser::parse_subscribed() {
  const Pos pos = cur().pos;
  auto s = node(ExprKind::kSlice, pos);
  s->children.push_back(nullptr);  // the sliced object, filled in by parse_subscript
  if (skip_op(":")) {
    s->children.push_back(nullptr);
  } else {
    ExprPtr first = parse_expression();
    if (!skip_op(":")) return first;
    s->children.push_back(std::move(first));
  }
  if (is_op(":") || is_op("]") || is_op(",")) {
    s->children.push_back(nullptr);
  } else {
    s->children.push_back(parse_expression());
  }
  if (skip_op(":") && !is_op("]") && !is_op(",")) {
    s->children.push_back(parse_expression());
  } else {
    s->children.push_back(nullptr);
  }
  return s;
}

void Parser::parse_call_args(Expr& call) {
  const Pos pos = cur().pos;
  expect_op("(");
  auto ensure = [&](bool ok) {
    if (!ok) fail_at(pos, "invalid syntax for function call expression");
  };
  bool require_comma = false;
  while (!is_op(")")) {
    if (require_comma) {
      expect_op(",");
      if (is_op(")")) break;
    }
    if (is_op("*")) {
      ensure(!call.dyn_args && !call.dyn_kwargs);
      next();
      call.dyn_args = parse_expression();
    } else if (is_op("**")) {
      ensure(!call.dyn_kwargs);
      next();
      call.dyn_kwargs = parse_expression();
    } else if (cur().type == Tok::kName && look().type == Tok::kOp && look().text == "=") {
      ensure(!call.dyn_kwargs);
      std::string key = next().text;
      next();
      call.kwargs.emplace_back(std::move(key), parse_expression());
    } else {
      ensure(!call.dyn_args && !call.dyn_kwargs && call.kwargs.empty());
      call.children.push_back(parse_expression());
    }
    require_comma = true;
  }
  expect_op(")");
}

ExprPtr Parser::parse_filter(ExprPtr n, bool start_inline) {
  while (is_op("|") || start_inline) {
    if (!start_inline) next();
    const Token name = expect_name();
    auto f = node(ExprKind::kFilter, name.pos);
    f->name = name.text;
    while (skip_op(".")) f->name += "." + expect_name().text;
    f->children.push_back(std::move(n));
    if (is_op("(")) parse_call_args(*f);
    n = std::move(f);
    start_inline = false;
  }
  return n;
}

ExprPtr Parser::parse_test(ExprPtr n) {
  const Token is = next();
  const bool negated = skip_name("not");
  const Token name = expect_name();
  auto t = node(ExprKind::kTest, name.pos);
  t->name = name.text;
  while (skip_op(".")) t->name += "." + expect_name().text;
  t->children.push_back(std::move(n));
  const bool arg_start = cur().type == Tok::kName || cur().type == Tok::kString || cur().type == Tok::kInt ||
                         cur().type == Tok::kFloat || is_op("[") || is_op("{");
  if (is_op("(")) {
    parse_call_args(*t);
  } else if (arg_start && !is_name("else") && !is_name("or") && !is_name("and")) {
    if (is_name("is")) fail("You cannot chain multiple tests with is");
    t->children.push_back(parse_postfix(parse_primary()));
  }
  if (!negated) return t;
  auto n2 = node(ExprKind::kNot, is.pos);
  n2->children.push_back(std::move(t));
  return n2;
}

}  // namespace llmcp::tokenizer::chat::jinja
