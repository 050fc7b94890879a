// Checked accessors for tokenizer.json / tokenizer_config.json: a missing key or a value of the
// wrong type becomes core::Error(kMalformedFile) naming the component and key, never a crash.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"

namespace llmcp::tokenizer {

using Json = nlohmann::json;

inline const Json& require(const Json& j, std::string_view key, std::string_view where) {
  LLMCP_CHECK(j.is_object(), kMalformedFile, where, " should be a JSON object");
  const auto it = j.find(key);
  LLMCP_CHECK(it != j.end(), kMalformedFile, where, " has no '", key, "'");
  return *it;
}

inline std::string get_string(const Json& j, std::string_view key, std::string_view where) {
  const Json& v = require(j, key, where);
  LLMCP_CHECK(v.is_string(), kMalformedFile, where, ".", key, " should be a string");
  return v.get<std::string>();
}

// A string value, or `fallback` when the key is absent or null.
inline std::string get_string_or(const Json& j, std::string_view key, std::string_view where,
                                 const std::string& fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  LLMCP_CHECK(it->is_string(), kMalformedFile, where, ".", key, " should be a string");
  return it->get<std::string>();
}

inline bool get_bool_or(const Json& j, std::string_view key, std::string_view where, bool fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  LLMCP_CHECK(it->is_boolean(), kMalformedFile, where, ".", key, " should be true or false");
  return it->get<bool>();
}

inline int64_t get_int_or(const Json& j, std::string_view key, std::string_view where,
                          int64_t fallback) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return fallback;
  LLMCP_CHECK(it->is_number_integer(), kMalformedFile, where, ".", key, " should be an integer");
  return it->get<int64_t>();
}

// The "type" of a component, e.g. "BPE" or "ByteLevel".
inline std::string component_type(const Json& j, std::string_view where) {
  return get_string(j, "type", where);
}

// The single character of a string field such as Strip.content or Metaspace.replacement.
std::string get_char(const Json& j, std::string_view key, std::string_view where,
                     const std::string& fallback);

// {"String": "x"} or {"Regex": "x"} as regex source text.
std::string pattern_to_regex(const Json& pattern, std::string_view where);

[[noreturn]] void fail_unsupported(std::string_view component, std::string_view type,
                                   std::string_view supported);

}  // namespace llmcp::tokenizer
