#!/usr/bin/env bash
# Runs sdk_e2e.mjs (the official MCP TypeScript SDK client driving `llm-mcp serve` over stdio) on
# Node 22 from npm. Usage: sdk_e2e.sh path/to/llm-mcp
set -euo pipefail
npm_dir=${LLMCP_NODE_PATH:?LLMCP_NODE_PATH is not set: run through ctest after make test-deps}
exec "$npm_dir/node_modules/.bin/node" "$(dirname "$0")/sdk_e2e.mjs" "$1" "$npm_dir"
