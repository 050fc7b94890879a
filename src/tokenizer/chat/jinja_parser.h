// Builds the AST from tokens with jinja2's grammar and operator precedence (condexpr < or < and <
// not < compare < +,- < ~ < *,/,//,% < ** < unary < postfix/filters/tests). Syntax errors name the
// line and column. Unknown filters and tests fail here, except inside if-blocks and inline ifs,
// where jinja2 defers the error to when the expression runs.
#pragma once

#include <string_view>

#include "tokenizer/chat/jinja_ast.h"

namespace llmcp::tokenizer::chat::jinja {

Body parse_template(std::string_view source);

}  // namespace llmcp::tokenizer::chat::jinja
