#!/usr/bin/env bash
# Runs mcp_hub.mjs (the official MCP TypeScript SDK client, Node 22 from npm) against `llm-mcp serve`
# and the Hub emulator. Usage: mcp_hub.sh path/to/llm-mcp
set -euo pipefail
npm_dir=${LLMCP_NODE_PATH:?LLMCP_NODE_PATH is not set: run through ctest after make test-deps}
python=${LLMCP_PYTHON:-python3}
here=$(cd "$(dirname "$0")" && pwd)
exec "$npm_dir/node_modules/.bin/node" "$here/mcp_hub.mjs" "$1" "$npm_dir" "$python" "$(cd "$here/../.." && pwd)"
