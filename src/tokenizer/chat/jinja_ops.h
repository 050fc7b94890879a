// Python's semantics for what templates do with values: truthiness, str()/repr(), ==/</in,
// arithmetic (64-bit ints that fail on overflow instead of growing), iteration, len(), and
// jinja2's sandboxed attribute/item lookup (d.key falls back to d['key'] and back again).
// Errors are core::Error(kInvalidArgument); the evaluator adds the template position.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

[[noreturn]] void throw_error(const std::string& message);
[[noreturn]] void throw_undefined(const Value& v);  // the error of using an Undefined
inline void check_defined(const Value& v) {
  if (v.is_undefined()) throw_undefined(v);
}

// Largest string a template may build (output included); larger is an error, not an allocation.
constexpr size_t kMaxStringBytes = size_t{64} << 20;
void check_size(size_t bytes);

std::string type_name(const Value& v);         // Python's type(v).__name__
std::string object_type_repr(const Value& v);  // "dict object", as in jinja2's messages

bool truthy(const Value& v);
std::string to_str(const Value& v);  // Python's str(); Undefined prints as ""
std::string repr(const Value& v);

bool equals(const Value& a, const Value& b);
int order(const Value& a, const Value& b);  // Python's <, as -1/0/1; throws when unordered
enum class CmpOp { kEq, kNe, kLt, kLe, kGt, kGe };
bool compare(const Value& a, const Value& b, CmpOp op);
bool contains(const Value& container, const Value& item);  // `item in container`

enum class BinOp { kAdd, kSub, kMul, kDiv, kFloorDiv, kMod, kPow };
Value binary(BinOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);

List iterate(const Value& v);                    // for loops and filters; Undefined -> empty
std::optional<int64_t> length(const Value& v);   // nullopt: no len() (generators, numbers)
int64_t checked_length(const Value& v);          // throws as len() would

Value get_attr(const Value& obj, std::string_view name);  // obj.name
Value get_item(const Value& obj, const Value& key);       // obj[key]
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

}  // namespace llmcp::tokenizer::chat::jinja
