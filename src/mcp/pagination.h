// Opaque cursors for the list methods: the client echoes nextCursor back; anything else it
// sends is refused with -32602 rather than silently restarting the list.
#pragma once

#include <cstddef>
#include <string>

#include "mcp/jsonrpc.h"

namespace llmcp::mcp {

struct Page {
  size_t begin = 0, end = 0;
  Json next_cursor;  // null on the last page
};

// The page of a list of `size` items that `params.cursor` asks for. `list` names the method in
// errors and in the cursor, so a tools/list cursor is refused by prompts/list.
Page page_of(const Json& params, size_t size, size_t page_size, const std::string& list);

}  // namespace llmcp::mcp
