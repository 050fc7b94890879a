// Text forms that must match CPython byte for byte: repr(float) (shortest round-trip digits, 1e-05,
// 1e+16), repr(str) (quote choice and escapes) and json.dumps(x, ensure_ascii=False, indent=...,
// separators=..., sort_keys=...) as transformers' `tojson` filter calls it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

std::string float_repr(double d);
std::string string_repr(std::string_view s);

struct JsonOptions {
  std::optional<std::string> indent;  // the per-level indent string; nullopt = one line
  std::string item_separator = ", ";
  std::string key_separator = ": ";
  bool sort_keys = false;
  bool ensure_ascii = false;  // escape non-ASCII as \uXXXX (transformers passes False)
};
std::string to_json(const Value& v, const JsonOptions& options);

}  // namespace llmcp::tokenizer::chat::jinja
