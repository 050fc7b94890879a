// Python arithmetic on template values: int (64-bit, overflow is an error), float, str and list
// concatenation and repetition, true and floor division, modulo with the divisor's sign, power.
#include <cmath>
#include <cstdint>
#include <limits>

#include "tokenizer/chat/jinja_ops.h"
#include "tokenizer/chat/jinja_strings.h"

namespace llmcp::tokenizer::chat::jinja {
namespace {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kFloorDiv: return "//";
    case BinOp::kMod: return "%";
    case BinOp::kPow: return "** or pow()";
  }
  return "?";
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  if (op == BinOp::kAdd && (a.is_string() || a.is_list_like())) {
    throw_error("can only concatenate " + type_name(a) + " (not \"" + type_name(b) + "\") to " + type_name(a));
  }
  throw_error(std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" + type_name(a) + "' and '" +
              type_name(b) + "'");
}

[[noreturn]] void overflow() { throw_error("integer overflow (templates compute with 64-bit integers)"); }

int64_t int_pow(int64_t base, int64_t exp) {
  int64_t result = 1;
  while (exp > 0) {
    if ((exp & 1) && __builtin_mul_overflow(result, base, &result)) overflow();
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
  }
  return result;
}

Value repeat(const Value& seq, int64_t times) {
  if (times <= 0) return seq.is_string() ? Value::string("") : Value::seq(List{}, seq.seq_kind());
  const size_t unit = seq.is_string() ? seq.as_string().size() : seq.items().size() * sizeof(Value);
  if (unit > 0 && static_cast<uint64_t>(times) > kMaxStringBytes / unit) check_size(kMaxStringBytes + 1);
  if (seq.is_string()) {
    std::string out;
    for (int64_t i = 0; i < times && unit > 0; ++i) out += seq.as_string();
    return Value::string(std::move(out));
  }
  const List& items = seq.items();
  List out;
  for (int64_t i = 0; i < times && unit > 0; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value::seq(std::move(out), seq.seq_kind());
}

Value float_op(BinOp op, double x, double y) {
  switch (op) {
    case BinOp::kAdd: return Value::number(x + y);
    case BinOp::kSub: return Value::number(x - y);
    case BinOp::kMul: return Value::number(x * y);
    case BinOp::kDiv:
      if (y == 0) throw_error("float division by zero");
      return Value::number(x / y);
    case BinOp::kFloorDiv:
    case BinOp::kMod: {
      if (y == 0) throw_error(op == BinOp::kMod ? "float modulo" : "float floor division by zero");
      double mod = std::fmod(x, y);
      double div = (x - mod) / y;
      if (mod != 0) {
        if ((y < 0) != (mod < 0)) {
          mod += y;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, y);
      }
      if (op == BinOp::kMod) return Value::number(mod);
      double floordiv;
      if (div != 0) {
        floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
      } else {
        floordiv = std::copysign(0.0, x / y);
      }
      return Value::number(floordiv);
    }
    case BinOp::kPow:
      if (x == 0 && y < 0) throw_error("0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) throw_error("negative number raised to a fractional power (complex result)");
      {
        const double r = std::pow(x, y);
        if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) throw_error("(34, 'Numerical result out of range')");
        return Value::number(r);
      }
  }
  return Value();
}

Value int_op(BinOp op, int64_t x, int64_t y) {
  int64_t r = 0;
  switch (op) {
    case BinOp::kAdd:
      if (__builtin_add_overflow(x, y, &r)) overflow();
      return Value::integer(r);
    case BinOp::kSub:
      if (__builtin_sub_overflow(x, y, &r)) overflow();
      return Value::integer(r);
    case BinOp::kMul:
      if (__builtin_mul_overflow(x, y, &r)) overflow();
      return Value::integer(r);
    case BinOp::kDiv:
      if (y == 0) throw_error("division by zero");
      return Value::number(static_cast<double>(x) / static_cast<double>(y));
    case BinOp::kFloorDiv:
    case BinOp::kMod: {
      if (y == 0) throw_error("integer division or modulo by zero");
      if (x == std::numeric_limits<int64_t>::min() && y == -1) {
        if (op == BinOp::kMod) return Value::integer(0);
        overflow();
      }
      int64_t q = x / y, m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {
        m += y;
        q -= 1;
      }
      return Value::integer(op == BinOp::kMod ? m : q);
    }
    case BinOp::kPow:
      if (y < 0) return float_op(op, static_cast<double>(x), static_cast<double>(y));
      return Value::integer(int_pow(x, y));
  }
  return Value();
}

}  // namespace

Value binary(BinOp op, const Value& a, const Value& b) {
  check_defined(a);
  if (op == BinOp::kMod && a.is_string()) return Value::string(percent_format(a.as_string(), b));
  check_defined(b);
  if (a.is_numeric() && b.is_numeric()) {
    if (a.is_float() || b.is_float()) return float_op(op, a.as_float(), b.as_float());
    return int_op(op, a.as_int(), b.as_int());
  }
  if (op == BinOp::kAdd) {
    if (a.is_string() && b.is_string()) {
      check_size(a.as_string().size() + b.as_string().size());
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list_like() && b.is_list_like() && a.seq_kind() == b.seq_kind() && a.seq_kind() != SeqKind::kRange) {
      List out = a.items();
      out.insert(out.end(), b.items().begin(), b.items().end());
      return Value::seq(std::move(out), a.seq_kind());
    }
  }
  const auto repeatable = [](const Value& v) { return v.is_string() || (v.is_list_like() && v.seq_kind() != SeqKind::kRange); };
  if (op == BinOp::kMul) {
    if (repeatable(a) && b.is_integral()) return repeat(a, b.as_int());
    if (repeatable(b) && a.is_integral()) return repeat(b, a.as_int());
  }
  unsupported(op, a, b);
}

Value negate(const Value& v) {
  check_defined(v);
  if (v.is_float()) return Value::number(-v.as_float());
  if (v.is_integral()) {
    if (v.as_int() == std::numeric_limits<int64_t>::min()) overflow();
    return Value::integer(-v.as_int());
  }
  throw_error("bad operand type for unary -: '" + type_name(v) + "'");
}

Value unary_plus(const Value& v) {
  check_defined(v);
  if (v.is_float()) return v;
  if (v.is_integral()) return Value::integer(v.as_int());
  throw_error("bad operand type for unary +: '" + type_name(v) + "'");
}

}  // namespace llmcp::tokenizer::chat::jinja
