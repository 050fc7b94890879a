#!/usr/bin/env bash
# The official MCP conformance suite (@modelcontextprotocol/conformance, from npm, on Node 22 from
# npm) against `llm-mcp serve --http --conformance-fixtures`: every active scenario must pass,
# sampling and elicitation included, with the web dashboard mounted on the same server (as serve
# --http always does). Usage: conformance.sh path/to/llm-mcp
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
# The dashboard is on (serve --http always mounts it beside /mcp): its page and its MCP bridge answer.
node -e '
  const base = process.argv[1];
  (async () => {
    const page = await (await fetch(base + "/")).text();
    if (!page.includes("/assets/app.js")) throw new Error("the dashboard is not served at /");
    const r = await (await fetch(base + "/ui/rpc", { method: "POST", body: JSON.stringify({ method: "tools/list" }) })).json();
    if (!r.result || !r.result.tools.length) throw new Error("the dashboard'"'"'s /ui/rpc does not answer: " + JSON.stringify(r));
  })().catch((e) => { console.error(e.message); process.exit(1); });' "http://localhost:$port"
conformance server --url "http://localhost:$port/mcp" > "$work/suite.log" 2>&1 || true
sed -n '/=== SUMMARY ===/,$p' "$work/suite.log"
kill -0 $server || { echo "the server died during the suite"; cat "$work/server.log"; exit 1; }
grep -q "^Total: [1-9][0-9]* passed, 0 failed" "$work/suite.log" || { cat "$work/suite.log"; exit 1; }
# The pending suite's 2020-12 schema scenario passes too.
conformance server --url "http://localhost:$port/mcp" --scenario json-schema-2020-12 > "$work/pending.log" 2>&1 ||
  { cat "$work/pending.log"; exit 1; }
echo "conformance: all passed"
