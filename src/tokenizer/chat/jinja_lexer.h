// Splits a chat template into tokens exactly as jinja2's lexer does under transformers' settings
// (trim_blocks, lstrip_blocks, `{%- -%}` / `{%+` whitespace control, one trailing newline
// dropped, `{% raw %}`), so the text between tags is byte-identical to what Python renders.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace llmcp::tokenizer::chat::jinja {

struct Pos {
  int line = 1;
  int column = 1;  // in code points, 1-based
};

// An error that already names its template position ("chat template line 12, column 5: ...").
class TemplateError : public core::Error {
 public:
  explicit TemplateError(const std::string& message) : core::Error(core::ErrorCode::kInvalidArgument, message) {}
};
[[noreturn]] void fail_at(Pos pos, const std::string& message);
std::string position_prefix(Pos pos);

enum class Tok : uint8_t { kData, kVarBegin, kVarEnd, kBlockBegin, kBlockEnd, kName, kString, kInt, kFloat, kOp, kEof };

struct Token {
  Tok type;
  std::string text;  // data, name, decoded string literal, or operator spelling
  int64_t int_value = 0;
  double float_value = 0;
  Pos pos;
};

std::vector<Token> tokenize(std::string_view source);

}  // namespace llmcp::tokenizer::chat::jinja
