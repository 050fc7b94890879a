// The tree-walking evaluator: statements, expressions, loop objects and macros. Every node
// evaluation turns a plain core::Error into one prefixed with that node's line and column.
#include "tokenizer/chat/jinja_eval.h"

#include "tokenizer/chat/jinja_builtins.h"
#include "tokenizer/chat/jinja_objects.h"
#include "tokenizer/chat/jinja_ops.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

// Restores the interpreter's current scope when a loop iteration, macro or block ends.
class ScopeSwap {
 public:
  ScopeSwap(ScopePtr& slot, ScopePtr next) : slot_(slot), saved_(std::exchange(slot, std::move(next))) {}
  ~ScopeSwap() { slot_ = std::move(saved_); }

 private:
  ScopePtr& slot_;
  ScopePtr saved_;
};

}  // namespace

const Value* Scope::find(std::string_view name) const {
  for (const Scope* s = this; s; s = s->parent.get()) {
    for (const auto& [k, v] : s->vars) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  for (auto& [k, old] : vars) {
    if (k == name) {
      old = std::move(v);
      return;
    }
  }
  vars.emplace_back(name, std::move(v));
}

std::string Interpreter::render(const Body& body, ScopePtr context) {
  scope_ = std::move(context);
  std::string out;
  exec(body, out);
  return out;
}

void Interpreter::step() {
  if (++steps_ > kMaxSteps) {
    throw_error("the template ran more than " + std::to_string(kMaxSteps) + " loop iterations and macro calls");
  }
}

Interpreter::Flow Interpreter::exec(const Body& body, std::string& out) {
  for (const auto& s : body) {
    const Flow f = exec_stmt(*s, out);
    if (f != Flow::kNormal) return f;
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec_stmt(const Stmt& s, std::string& out) {
  try {
    switch (s.kind) {
      case StmtKind::kData: out += s.text; break;
      case StmtKind::kOutput:
        for (const auto& e : s.exprs) out += to_str(eval(*e));
        break;
      case StmtKind::kIf:
        for (const auto& [cond, body] : s.branches) {
          if (truthy(eval(*cond))) return exec(body, out);
        }
        return exec(s.else_body, out);
      case StmtKind::kFor: return exec_for(s, out);
      case StmtKind::kSet: assign(s.targets[0], eval(*s.exprs[0]), *scope_); break;
      case StmtKind::kSetBlock:
      case StmtKind::kFilterBlock: {
        std::string text;
        {
          ScopeSwap swap(scope_, std::make_shared<Scope>(scope_));
          exec(s.body, text);
        }
        Value v = Value::string(std::move(text));
        if (s.condition) {
          const Value input = std::move(v);
          const Value* saved = std::exchange(block_input_, &input);
          v = eval(*s.condition);
          block_input_ = saved;
        }
        if (s.kind == StmtKind::kSetBlock) {
          assign(s.targets[0], v, *scope_);
        } else {
          out += to_str(v);
        }
        break;
      }
      case StmtKind::kMacro: scope_->set(s.text, Value::object(std::make_shared<MacroObject>(s, scope_))); break;
      case StmtKind::kWith: {
        std::vector<Value> values;
        for (const auto& e : s.exprs) values.push_back(eval(*e));
        ScopeSwap swap(scope_, std::make_shared<Scope>(scope_));
        for (size_t i = 0; i < values.size(); ++i) assign(s.targets[i], values[i], *scope_);
        return exec(s.body, out);
      }
      case StmtKind::kBreak: return Flow::kBreak;
      case StmtKind::kContinue: return Flow::kContinue;
    }
    check_size(out.size());
  } catch (const TemplateError&) {
    throw;
  } catch (const core::Error& e) {
    fail_at(s.pos, e.what());
  }
  return Flow::kNormal;
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, std::string& out) {
  List items = iterate(eval(*s.exprs[0]));
  if (s.condition) {
    List kept;
    for (auto& item : items) {
      step();
      ScopeSwap swap(scope_, std::make_shared<Scope>(scope_));
      assign(s.targets[0], item, *scope_);
      if (truthy(eval(*s.condition))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  const ListPtr list = std::make_shared<const List>(std::move(items));
  const auto loop = std::make_shared<LoopObject>(list);
  const Value loop_value = Value::object(loop);
  bool completed_one = false;  // jinja2 runs `else` unless some iteration reached the body's end
  for (size_t i = 0; i < list->size(); ++i) {
    step();
    loop->index = i;
    ScopeSwap swap(scope_, std::make_shared<Scope>(scope_));
    assign(s.targets[0], (*list)[i], *scope_);
    scope_->set("loop", loop_value);
    const Flow flow = exec(s.body, out);
    if (flow == Flow::kNormal) completed_one = true;
    if (flow == Flow::kBreak) break;
  }
  if (!completed_one && !s.else_body.empty()) {
    ScopeSwap swap(scope_, std::make_shared<Scope>(scope_));
    exec(s.else_body, out);
  }
  return Flow::kNormal;
}

void Interpreter::assign(const Target& t, const Value& v, Scope& scope) {
  switch (t.kind) {
    case Target::Kind::kName: scope.set(t.name, v); return;
    case Target::Kind::kTuple: {
      const List items = iterate(v);
      if (items.size() < t.items.size()) {
        throw_error("not enough values to unpack (expected " + std::to_string(t.items.size()) + ", got " +
                    std::to_string(items.size()) + ")");
      }
      if (items.size() > t.items.size()) {
        throw_error("too many values to unpack (expected " + std::to_string(t.items.size()) + ")");
      }
      for (size_t i = 0; i < items.size(); ++i) assign(t.items[i], items[i], scope);
      return;
    }
    case Target::Kind::kNamespaceAttr: {
      const Value* ns = scope.find(t.name);
      if (!ns || ns->is_undefined()) throw_error("'" + t.name + "' is undefined");
      if (!ns->is_object() || !ns->as_object().is_namespace()) {
        throw_error("cannot assign attribute on non-namespace object");
      }
      static_cast<Namespace&>(ns->as_object()).set_attr(t.attr, v);
      return;
    }
  }
}

Value Interpreter::call_macro(const Stmt& macro, const ScopePtr& closure, const CallArgs& args) {
  if (call_depth_ >= kMaxCallDepth) throw_error("macro calls nested deeper than " + std::to_string(kMaxCallDepth));
  step();
  const auto& params = macro.params;
  auto scope = std::make_shared<Scope>(closure);
  std::vector<bool> bound(params.size(), false);
  List extra;
  for (size_t i = 0; i < args.positional.size(); ++i) {
    if (i < params.size()) {
      scope->set(params[i], args.positional[i]);
      bound[i] = true;
    } else {
      extra.push_back(args.positional[i]);
    }
  }
  if (!extra.empty() && !macro.uses_varargs) {
    throw_error("macro '" + macro.text + "' takes not more than " + std::to_string(params.size()) + " argument(s)");
  }
  Dict extra_kwargs;
  for (const auto& [k, v] : args.keywords) {
    size_t i = 0;
    while (i < params.size() && params[i] != k) ++i;
    if (i == params.size()) {
      if (!macro.uses_kwargs) throw_error("macro '" + macro.text + "' takes no keyword argument '" + k + "'");
      extra_kwargs.set(Value::string(k), v);
    } else if (bound[i]) {
      throw_error("macro '" + macro.text + "' got multiple values for argument '" + k + "'");
    } else {
      scope->set(k, v);
      bound[i] = true;
    }
  }
  if (macro.uses_varargs) scope->set("varargs", Value::seq(std::move(extra), SeqKind::kTuple));
  if (macro.uses_kwargs) scope->set("kwargs", Value::dict(std::move(extra_kwargs)));
  ScopeSwap swap(scope_, scope);
  const size_t first_default = params.size() - macro.defaults.size();
  for (size_t i = 0; i < params.size(); ++i) {
    if (bound[i]) continue;
    scope->set(params[i], i >= first_default ? eval(*macro.defaults[i - first_default])
                                             : Value::undefined("parameter '" + params[i] + "' was not provided"));
  }
  ++call_depth_;
  std::string out;
  exec(macro.body, out);
  --call_depth_;
  return Value::string(std::move(out));
}

Value Interpreter::eval(const Expr& e) {
  try {
    return eval_inner(e);
  } catch (const TemplateError&) {
    throw;
  } catch (const core::Error& err) {
    fail_at(e.pos, err.what());
  }
}

CallArgs Interpreter::eval_args(const Expr& e, size_t first) {
  CallArgs args;
  for (size_t i = first; i < e.children.size(); ++i) args.positional.push_back(eval(*e.children[i]));
  for (const auto& [k, v] : e.kwargs) args.keywords.emplace_back(k, eval(*v));
  if (e.dyn_args) {
    for (auto& v : iterate(eval(*e.dyn_args))) args.positional.push_back(std::move(v));
  }
  if (e.dyn_kwargs) {
    const Value kw = eval(*e.dyn_kwargs);
    if (!kw.is_dict()) throw_error("argument after ** must be a mapping, not " + type_name(kw));
    for (const auto& [k, v] : kw.as_dict().entries) {
      if (!k.is_string()) throw_error("keywords must be strings");
      args.keywords.emplace_back(k.as_string(), v);
    }
  }
  return args;
}

Value Interpreter::eval_call(const Expr& e) {
  const Value callee = eval(*e.children[0]);
  const CallArgs args = eval_args(e, 1);
  check_defined(callee);
  if (!callee.is_object() || !callee.as_object().callable()) throw_error("'" + type_name(callee) + "' object is not callable");
  return callee.as_object().call(args, *this);
}

Value Interpreter::eval_compare(const Expr& e) {
  Value left = eval(*e.children[0]);
  for (size_t i = 0; i < e.compare_ops.size(); ++i) {
    Value right = eval(*e.children[i + 1]);
    bool ok = false;
    switch (e.compare_ops[i]) {
      case CompareOp::kEq: ok = compare(left, right, CmpOp::kEq); break;
      case CompareOp::kNe: ok = compare(left, right, CmpOp::kNe); break;
      case CompareOp::kLt: ok = compare(left, right, CmpOp::kLt); break;
      case CompareOp::kLe: ok = compare(left, right, CmpOp::kLe); break;
      case CompareOp::kGt: ok = compare(left, right, CmpOp::kGt); break;
      case CompareOp::kGe: ok = compare(left, right, CmpOp::kGe); break;
      case CompareOp::kIn: ok = contains(right, left); break;
      case CompareOp::kNotIn: ok = !contains(right, left); break;
    }
    if (!ok) return Value::boolean(false);
    left = std::move(right);
  }
  return Value::boolean(true);
}

Value Interpreter::eval_inner(const Expr& e) {
  const auto child = [&](size_t i) { return eval(*e.children[i]); };
  switch (e.kind) {
    case ExprKind::kConst: return e.value;
    case ExprKind::kName: {
      const Value* v = scope_->find(e.name);
      return v ? *v : Value::undefined("'" + e.name + "' is undefined");
    }
    case ExprKind::kGetattr: return get_attr(child(0), e.name);
    case ExprKind::kGetitem: return get_item(child(0), child(1));
    case ExprKind::kSlice: {
      const Value obj = child(0);
      const auto opt = [&](size_t i) { return e.children[i] ? child(i) : Value::none(); };
      return slice(obj, opt(1), opt(2), opt(3));
    }
    case ExprKind::kCall: return eval_call(e);
    case ExprKind::kFilter:
    case ExprKind::kTest: {
      const bool filter = e.kind == ExprKind::kFilter;
      const Value input = e.children[0] ? child(0) : (block_input_ ? *block_input_ : Value());
      const CallArgs args = eval_args(e, 1);
      if (!e.known) throw_error(std::string("No ") + (filter ? "filter" : "test") + " named '" + e.name + "' found.");
      return filter ? apply_filter(e.name, input, args) : Value::boolean(apply_test(e.name, input, args));
    }
    case ExprKind::kNot: return Value::boolean(!truthy(child(0)));
    case ExprKind::kNeg: return negate(child(0));
    case ExprKind::kPos: return unary_plus(child(0));
    case ExprKind::kAnd: {
      Value l = child(0);
      return truthy(l) ? child(1) : l;
    }
    case ExprKind::kOr: {
      Value l = child(0);
      return truthy(l) ? l : child(1);
    }
    case ExprKind::kBinary: {
      const Value l = child(0);
      return binary(e.op, l, child(1));
    }
    case ExprKind::kConcat: {
      std::string out;
      for (size_t i = 0; i < e.children.size(); ++i) {
        out += to_str(child(i));
        check_size(out.size());
      }
      return Value::string(std::move(out));
    }
    case ExprKind::kCompare: return eval_compare(e);
    case ExprKind::kCondExpr:
      if (truthy(child(0))) return child(1);
      if (e.children[2]) return child(2);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.pos.line) +
                              " evaluated to false and no else section was defined.");
    case ExprKind::kList:
    case ExprKind::kTuple: {
      List items;
      for (size_t i = 0; i < e.children.size(); ++i) items.push_back(child(i));
      return Value::seq(std::move(items), e.kind == ExprKind::kList ? SeqKind::kList : SeqKind::kTuple);
    }
    case ExprKind::kDict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value k = child(i);
        if (k.is_dict() || (k.is_seq() && k.seq_kind() != SeqKind::kTuple)) {
          throw_error("unhashable type: '" + type_name(k) + "'");
        }
        d.set(std::move(k), child(i + 1));
      }
      return Value::dict(std::move(d));
    }
  }
  return Value();
}

}  // namespace llmcp::tokenizer::chat::jinja
