// Python's str algorithms shared by filters and str methods: split/rsplit/splitlines, replace,
// find/count, title/capitalize, HTML escaping (markupsafe's) and printf-style `%` formatting.
// Indices and lengths are in code points, as in Python.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/chat/jinja_value.h"

namespace llmcp::tokenizer::chat::jinja {

std::vector<std::string> py_split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit);
std::vector<std::string> py_splitlines(std::string_view s, bool keepends);
std::string py_replace(std::string_view s, std::string_view old, std::string_view with, int64_t count);
int64_t py_find(std::string_view s, std::string_view sub, bool from_right);  // -1 when absent
int64_t py_count(std::string_view s, std::string_view sub);
std::string py_title(std::string_view s);       // str.title()
std::string py_capitalize(std::string_view s);  // str.capitalize()
std::string html_escape(std::string_view s);    // markupsafe.escape
std::string percent_format(std::string_view format, const Value& args);  // format % args

}  // namespace llmcp::tokenizer::chat::jinja
