// Statement parsing (if/for/set/macro/with/filter blocks, break/continue from loopcontrols), the
// token helpers, and the check pass that resolves filter and test names the way jinja2's compiler
// does: an unknown name is a syntax error, unless it sits in an if-block or inline if.
#include "tokenizer/chat/jinja_parser.h"

#include <algorithm>

#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_parser_impl.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

constexpr int kMaxDepth = 100;

std::string join_names(const Names& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? " or '" : "'") + std::string(names[i]) + "'";
  return out;
}

Target to_target(const Expr& e) {
  Target t;
  t.pos = e.pos;
  if (e.kind == ExprKind::kName) {
    t.name = e.name;
    return t;
  }
  if (e.kind == ExprKind::kTuple) {
    t.kind = Target::Kind::kTuple;
    for (const auto& c : e.children) t.items.push_back(to_target(*c));
    return t;
  }
  fail_at(e.pos, e.kind == ExprKind::kConst ? "can't assign to 'const'" : "can't assign to this expression");
}

}  // namespace

Parser::DepthGuard::DepthGuard(Parser& parser) : p(parser) {
  if (++p.depth_ > kMaxDepth) p.fail("template nested more than " + std::to_string(kMaxDepth) + " levels deep");
}

Token Parser::next() {
  Token t = t_[i_];
  if (i_ + 1 < t_.size()) ++i_;
  return t;
}

bool Parser::is_any_name(const Names& names) const {
  return cur().type == Tok::kName && std::find(names.begin(), names.end(), cur().text) != names.end();
}

bool Parser::skip_op(std::string_view op) {
  if (!is_op(op)) return false;
  next();
  return true;
}

bool Parser::skip_name(std::string_view name) {
  if (!is_name(name)) return false;
  next();
  return true;
}

void Parser::expect_op(std::string_view op) {
  if (!skip_op(op)) fail("expected token '" + std::string(op) + "', got '" + describe(cur()) + "'");
}

Token Parser::expect_name() {
  if (cur().type != Tok::kName) fail("expected token 'name', got '" + describe(cur()) + "'");
  return next();
}

void Parser::expect(Tok type) {
  if (cur().type == type) {
    next();
    return;
  }
  fail(std::string("expected token '") + (type == Tok::kBlockEnd ? "end of statement block" : "end of print statement") +
       "', got '" + describe(cur()) + "'");
}

std::string Parser::describe(const Token& t) {
  switch (t.type) {
    case Tok::kData: return "template data";
    case Tok::kVarBegin: return "begin of print statement";
    case Tok::kVarEnd: return "end of print statement";
    case Tok::kBlockBegin: return "begin of statement block";
    case Tok::kBlockEnd: return "end of statement block";
    case Tok::kString: return "string";
    case Tok::kEof: return "end of template";
    default: return t.text;
  }
}

Body Parser::parse() {
  Body body = subparse({});
  check_template(body);
  return body;
}

Body Parser::subparse(const Names& end_names) {
  DepthGuard guard(*this);
  Body body;
  while (true) {
    const Token& t = cur();
    if (t.type == Tok::kData) {
      if (!body.empty() && body.back()->kind == StmtKind::kData) {
        body.back()->text += t.text;
      } else {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::kData;
        s->pos = t.pos;
        s->text = t.text;
        body.push_back(std::move(s));
      }
      next();
    } else if (t.type == Tok::kVarBegin) {
      auto s = std::make_unique<Stmt>();
      s->kind = StmtKind::kOutput;
      s->pos = next().pos;
      s->exprs.push_back(parse_tuple(false, true, {}, false));
      expect(Tok::kVarEnd);
      body.push_back(std::move(s));
    } else if (t.type == Tok::kBlockBegin) {
      next();
      if (is_any_name(end_names)) return body;
      body.push_back(parse_statement());
      expect(Tok::kBlockEnd);
    } else if (t.type == Tok::kEof) {
      if (!end_names.empty()) fail("unexpected end of template, expected " + join_names(end_names));
      return body;
    } else {
      fail("unexpected '" + describe(t) + "'");
    }
  }
}

Body Parser::parse_statements(const Names& end_names, bool drop_needle) {
  skip_op(":");
  expect(Tok::kBlockEnd);
  Body body = subparse(end_names);
  if (drop_needle) next();
  return body;
}

StmtPtr Parser::parse_statement() {
  if (cur().type != Tok::kName) fail("tag name expected");
  const std::string& tag = cur().text;
  if (tag == "for") return parse_for();
  if (tag == "if") return parse_if();
  if (tag == "set") return parse_set();
  if (tag == "macro") return parse_macro();
  if (tag == "with") return parse_with();
  auto s = std::make_unique<Stmt>();
  s->pos = cur().pos;
  if (tag == "filter") {
    next();
    s->kind = StmtKind::kFilterBlock;
    s->condition = parse_filter(nullptr, true);
    const int saved = std::exchange(loop_depth_, 0);
    s->body = parse_statements({"endfilter"}, true);
    loop_depth_ = saved;
    return s;
  }
  if (tag == "print") {
    next();
    s->kind = StmtKind::kOutput;
    while (cur().type != Tok::kBlockEnd) {
      if (!s->exprs.empty()) expect_op(",");
      s->exprs.push_back(parse_expression());
    }
    return s;
  }
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail("'" + tag + "' outside loop");
    s->kind = tag == "break" ? StmtKind::kBreak : StmtKind::kContinue;
    next();
    return s;
  }
  static const Names kUnsupported = {"call", "block", "extends", "include", "import", "from", "autoescape"};
  if (is_any_name(kUnsupported)) fail("'{% " + tag + " %}' is not supported in chat templates");
  fail("unknown tag '" + tag + "'");
}

StmtPtr Parser::parse_for() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kFor;
  s->pos = next().pos;
  s->targets.push_back(parse_assign_target({"in"}, false));
  if (!skip_name("in")) fail("expected token 'in', got '" + describe(cur()) + "'");
  s->exprs.push_back(parse_tuple(false, false, {"recursive"}, false));
  if (skip_name("if")) s->condition = parse_expression();
  if (is_name("recursive")) fail("recursive loops are not supported in chat templates");
  ++loop_depth_;
  s->body = parse_statements({"endfor", "else"}, false);
  --loop_depth_;
  if (next().text == "else") s->else_body = parse_statements({"endfor"}, true);
  return s;
}

StmtPtr Parser::parse_if() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kIf;
  s->pos = next().pos;
  while (true) {
    ExprPtr test = parse_tuple(false, false, {}, false);
    Body body = parse_statements({"elif", "else", "endif"}, false);
    s->branches.emplace_back(std::move(test), std::move(body));
    const Token t = next();
    if (t.text == "elif") continue;
    if (t.text == "else") s->else_body = parse_statements({"endif"}, true);
    return s;
  }
}

StmtPtr Parser::parse_set() {
  auto s = std::make_unique<Stmt>();
  s->pos = next().pos;
  s->targets.push_back(parse_assign_target({}, true));
  if (skip_op("=")) {
    s->kind = StmtKind::kSet;
    s->exprs.push_back(parse_tuple(false, true, {}, false));
    return s;
  }
  s->kind = StmtKind::kSetBlock;
  s->condition = parse_filter(nullptr, false);
  const int saved = std::exchange(loop_depth_, 0);
  s->body = parse_statements({"endset"}, true);
  loop_depth_ = saved;
  return s;
}

StmtPtr Parser::parse_macro() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kMacro;
  s->pos = next().pos;
  s->text = expect_name().text;
  expect_op("(");
  while (!is_op(")")) {
    if (!s->params.empty()) expect_op(",");
    s->params.push_back(expect_name().text);
    if (skip_op("=")) {
      s->defaults.push_back(parse_expression());
    } else if (!s->defaults.empty()) {
      fail("non-default argument follows default argument");
    }
  }
  expect_op(")");
  const int saved = std::exchange(loop_depth_, 0);
  s->body = parse_statements({"endmacro"}, true);
  loop_depth_ = saved;
  return s;
}

StmtPtr Parser::parse_with() {
  auto s = std::make_unique<Stmt>();
  s->kind = StmtKind::kWith;
  s->pos = next().pos;
  while (cur().type != Tok::kBlockEnd) {
    if (!s->targets.empty()) expect_op(",");
    s->targets.push_back(parse_assign_target({}, false));
    expect_op("=");
    s->exprs.push_back(parse_expression());
  }
  s->body = parse_statements({"endwith"}, true);
  return s;
}

Target Parser::parse_assign_target(const Names& extra_end, bool with_namespace) {
  if (with_namespace && cur().type == Tok::kName && look().type == Tok::kOp && look().text == ".") {
    Target t;
    t.kind = Target::Kind::kNamespaceAttr;
    t.pos = cur().pos;
    t.name = next().text;
    next();
    t.attr = expect_name().text;
    return t;
  }
  return to_target(*parse_tuple(true, true, extra_end, false));
}

namespace {

// Walks the tree with jinja2's "soft frame" flag: inside if-blocks and inline ifs an unknown
// filter or test is an error only if it runs.
class Checker {
 public:
  void body(Body& b, bool soft) {
    for (auto& s : b) stmt(*s, soft);
  }

 private:
  void stmt(Stmt& s, bool soft) {
    switch (s.kind) {
      case StmtKind::kIf:
        for (auto& [cond, b] : s.branches) {
          expr(cond.get(), true);
          body(b, true);
        }
        body(s.else_body, true);
        return;
      case StmtKind::kFor:
        expr(s.exprs[0].get(), soft);
        expr(s.condition.get(), false);
        body(s.body, false);
        body(s.else_body, soft);
        return;
      case StmtKind::kMacro:
        macros_.push_back(&s);
        for (auto& d : s.defaults) expr(d.get(), false);
        body(s.body, false);
        macros_.pop_back();
        return;
      case StmtKind::kSetBlock:
      case StmtKind::kFilterBlock:
        expr(s.condition.get(), false);
        body(s.body, false);
        return;
      case StmtKind::kWith:
        for (auto& e : s.exprs) expr(e.get(), soft);
        body(s.body, false);
        return;
      default:
        for (auto& e : s.exprs) expr(e.get(), soft);
        return;
    }
  }

  void expr(Expr* e, bool soft) {
    if (!e) return;
    if (e->kind == ExprKind::kCondExpr) soft = true;
    if (e->kind == ExprKind::kName && !macros_.empty()) {
      if (e->name == "varargs") macros_.back()->uses_varargs = true;
      if (e->name == "kwargs") macros_.back()->uses_kwargs = true;
    }
    if (e->kind == ExprKind::kFilter || e->kind == ExprKind::kTest) {
      const bool filter = e->kind == ExprKind::kFilter;
      e->known = filter ? find_filter(e->name) != nullptr : find_test(e->name) != nullptr;
      if (!e->known && !soft) fail_at(e->pos, std::string("unknown ") + (filter ? "filter" : "test") + " '" + e->name + "'");
    }
    for (auto& c : e->children) expr(c.get(), soft);
    for (auto& [k, v] : e->kwargs) expr(v.get(), soft);
    expr(e->dyn_args.get(), soft);
    expr(e->dyn_kwargs.get(), soft);
  }

  std::vector<Stmt*> macros_;
};

}  // namespace

void check_template(Body& body) { Checker().body(body, false); }

Body parse_template(std::string_view source) { return Parser(tokenize(source)).parse(); }

}  // namespace llmcp::tokenizer::chat::jinja
