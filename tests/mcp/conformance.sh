#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, from npm, on Node 22 from
# npm) against `llm-mcp serve --http --conformance-fixtures`: every active scenario must pass,
# sampling and elicitation included. Usage: conformance.sh path/to/llm-mcp
set -euo pipefail
cli=$1
npm_dir=${LLMCP_NODE_PATH:?LLMCP_NODE_PATH is not set: run through ctest after make test-deps}
export PATH="$npm_dir/node_modules/.bin:$PATH"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
"$cli" serve --http --port 0 --home "$work/home" --conformance-fixtures 2> "$work/server.log" &
server=$!
port=
for _ in $(seq 1 200); do
  port=$(sed -n 's/^llm-mcp: serving MCP on port \([0-9]*\)$/\1/p' "$work/server.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the server did not start:"; cat "$work/server.log"; exit 1; }
conformance server --url "http://localhost:$port/mcp" > "$work/suite.log" 2>&1 || true
sed -n '/=== SUMMARY ===/,$p' "$work/suite.log"
kill -0 $server || { echo "the server died during the suite"; cat "$work/server.log"; exit 1; }
grep -q "^Total: [1-9][0-9]* passed, 0 failed" "$work/suite.log" || { cat "$work/suite.log"; exit 1; }
# The pending suite's 2020-12 schema scenario passes too.
conformance server --url "http://localhost:$port/mcp" --scenario json-schema-2020-12 > "$work/pending.log" 2>&1 ||
  { cat "$work/pending.log"; exit 1; }
echo "conformance: all passed"
