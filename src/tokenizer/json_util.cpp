// Out-of-line helpers of json_util.h that need the regex and UTF-8 helpers.
#include "tokenizer/json_util.h"

#include "tokenizer/regex.h"
#include "tokenizer/utf8.h"

namespace llmcp::tokenizer {

std::string get_char(const Json& j, std::string_view key, std::string_view where,
                     const std::string& fallback) {
  const std::string s = get_string_or(j, key, where, fallback);
  size_t pos = 0;
  if (!s.empty()) next_code_point(s, pos);
  LLMCP_CHECK(!s.empty() && pos == s.size(), kMalformedFile, where, ".", key,
              " should be exactly one character, got '", s, "'");
  return s;
}

std::string pattern_to_regex(const Json& pattern, std::string_view where) {
  LLMCP_CHECK(pattern.is_object(), kMalformedFile, where,
              ".pattern should be {\"String\": ...} or {\"Regex\": ...}");
  if (const auto it = pattern.find("String"); it != pattern.end() && it->is_string()) {
    return escape_regex(it->get<std::string>());
  }
  if (const auto it = pattern.find("Regex"); it != pattern.end() && it->is_string()) {
    return it->get<std::string>();
  }
  LLMCP_FAIL(kMalformedFile, where, ".pattern should be {\"String\": ...} or {\"Regex\": ...}");
}

void fail_unsupported(std::string_view component, std::string_view type,
                      std::string_view supported) {
  LLMCP_FAIL(kUnsupported, "tokenizer.json: ", component, " type '", type,
             "' is not supported (supported: ", supported, ")");
}

}  // namespace llmcp::tokenizer
