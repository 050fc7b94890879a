// The parsed form of a chat template: expression and statement nodes mirroring jinja2's (Getattr,
// Filter, Test, CondExpr, For, If, Assign, Macro, ...), each with its source position so runtime
// errors can name the line and column. Immutable after parsing; renders share it.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/chat/jinja_lexer.h"
#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

enum class ExprKind : uint8_t {
  kConst,     // value
  kName,      // name
  kGetattr,   // children[0].name
  kGetitem,   // children[0][children[1]]
  kSlice,     // children[0][children[1]:children[2]:children[3]] (null = omitted)
  kCall,      // children[0](children[1..], kwargs, *dyn_args, **dyn_kwargs)
  kFilter,    // children[0]|name(children[1..], kwargs); children[0] null in filter/set blocks
  kTest,      // children[0] is name(children[1..], kwargs)
  kNot,
  kNeg,
  kPos,
  kAnd,
  kOr,
  kBinary,    // op
  kConcat,    // children joined with ~
  kCompare,   // children[0] compare_ops[i] children[i+1] ...
  kCondExpr,  // children[1] if children[0] else children[2] (null: Undefined)
  kList,
  kTuple,
  kDict,      // key, value, key, value, ...
};

enum class CompareOp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kIn, kNotIn };

struct Expr {
  ExprKind kind;
  Pos pos;
  Value value;
  std::string name;
  BinOp op = BinOp::kAdd;
  std::vector<CompareOp> compare_ops;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  ExprPtr dyn_args, dyn_kwargs;
  bool known = true;  // filter/test exists; when not, using it fails at runtime (jinja2 in if-blocks)
};

// An assignment target: a name, a tuple of targets (`for k, v in ...`), or `ns.attr`.
struct Target {
  enum class Kind : uint8_t { kName, kTuple, kNamespaceAttr } kind = Kind::kName;
  std::string name, attr;
  std::vector<Target> items;
  Pos pos;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class StmtKind : uint8_t { kData, kOutput, kIf, kFor, kSet, kSetBlock, kMacro, kWith, kFilterBlock, kBreak, kContinue };

struct Stmt {
  StmtKind kind;
  Pos pos;
  std::string text;                              // kData; kMacro: its name
  std::vector<ExprPtr> exprs;                    // kOutput items; kFor: iterable; kSet: value; kWith: values
  ExprPtr condition;                             // kFor: the `if` filter; kSetBlock/kFilterBlock: filters
  std::vector<std::pair<ExprPtr, Body>> branches;  // kIf: if / elif
  Body body, else_body;                          // kIf: else; kFor: else
  std::vector<Target> targets;                   // kFor/kSet/kSetBlock: one; kWith: several
  std::vector<std::string> params;               // kMacro
  std::vector<ExprPtr> defaults;                 // kMacro: defaults of the last params
  bool uses_varargs = false, uses_kwargs = false;  // kMacro body mentions varargs / kwargs
};

}  // namespace llmcp::tokenizer::chat::jinja
