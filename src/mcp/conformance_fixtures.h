// The fixture tools, resources and prompts the official MCP conformance suite looks for by name
// (test_simple_text, test://static-text, test_simple_prompt, ...). Registered only with
// `serve --conformance-fixtures`, never by default.
#pragma once

#include "mcp/server.h"

namespace llmcp::mcp {

void add_conformance_fixtures(Server& server);

}  // namespace llmcp::mcp
