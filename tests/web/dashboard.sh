#!/usr/bin/env bash
# The dashboard's browser test (dashboard.mjs): Playwright's driver from npm (build/npm) on Node
# 22 from npm, Debian's Chromium. Usage: dashboard.sh path/to/llm-mcp screenshot-dir
set -euo pipefail
npm_dir=${LLMCP_NODE_PATH:?LLMCP_NODE_PATH is not set: run through ctest after make test-deps}
exec "$npm_dir/node_modules/.bin/node" "$(dirname "$0")/dashboard.mjs" "$1" "$npm_dir" "$2"
