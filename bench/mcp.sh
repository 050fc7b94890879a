#!/usr/bin/env bash
# MCP round trips side by side: llm-mcp's server against the official TypeScript SDK server
# (McpServer, bench/peer_mcp_server.mjs, answering list_models with llm-mcp's own answer), both
# measured by bench/mcp_bench (C++ client): tools/call latency p50/p99 over stdio and Streamable
# HTTP, and requests/s with 32 concurrent HTTP clients. Ratios > 1: llm-mcp is faster.
# Usage: bench/mcp.sh [BUILD_DIR]   (make test-deps first: Node 22 and the SDK come from npm)
set -euo pipefail
build=${1:-build/release}
here=$(cd "$(dirname "$0")" && pwd)
export LLMCP_NODE_PATH=${LLMCP_NODE_PATH:-$PWD/build/npm}
node=$LLMCP_NODE_PATH/node_modules/.bin/node
cli=$build/src/cli/llm-mcp
bench=$build/bench/mcp_bench
N=${MCP_REQUESTS:-500}; C=${MCP_CLIENTS:-32}; S=${MCP_SECONDS:-5}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
# llm-mcp's list_models answer, which the peer then returns verbatim.
printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
  '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_models"}}' |
  "$cli" serve --home "$work/home" 2>/dev/null |
  /usr/bin/python3 -c 'import sys, json
for l in sys.stdin:
    j = json.loads(l)
    if j.get("id") == 2: print(json.dumps(j["result"]["structuredContent"]))' > "$work/answer.json"
ours_stdio=$("$bench" stdio "$N" -- "$cli" serve --home "$work/home" 2>/dev/null)
peer_stdio=$("$bench" stdio "$N" -- "$node" "$here/peer_mcp_server.mjs" stdio "$work/answer.json")
"$cli" serve --http --port 18731 --home "$work/home" 2>/dev/null & pids+=($!)
"$node" "$here/peer_mcp_server.mjs" http 18732 "$work/answer.json" 2>/dev/null & pids+=($!)
ours_http=$("$bench" http "$N" "$C" "$S" http://127.0.0.1:18731/mcp)
peer_http=$("$bench" http "$N" "$C" "$S" http://127.0.0.1:18732/mcp)
/usr/bin/python3 - "$ours_stdio" "$peer_stdio" "$ours_http" "$peer_http" "$C" <<'PY'
import json, sys
os_, ps, oh, ph = (json.loads(a) for a in sys.argv[1:5])
clients = sys.argv[5]
print("| transport | call | llm-mcp p50 µs | SDK server p50 µs | ratio | llm-mcp p99 µs | SDK server p99 µs | ratio |")
print("|---|---|---|---|---|---|---|---|")
for name, o, p in [("stdio", os_, ps), ("HTTP", oh, ph)]:
    for call in ["ping", "list_models"]:
        a, b = o[call], p[call]
        print(f"| {name} | {call} | {a['p50_us']:.0f} | {b['p50_us']:.0f} | {b['p50_us'] / a['p50_us']:.2f} | "
              f"{a['p99_us']:.0f} | {b['p99_us']:.0f} | {b['p99_us'] / a['p99_us']:.2f} |")
print()
print(f"| HTTP, {clients} concurrent clients | llm-mcp req/s | SDK server req/s | ratio |")
print("|---|---|---|---|")
for call in ["ping", "list_models"]:
    a, b = oh[call + "_concurrent"], ph[call + "_concurrent"]
    assert a["errors"] == 0 and b["errors"] == 0, (a, b)
    print(f"| {call} | {a['requests_per_s']:.0f} | {b['requests_per_s']:.0f} | {a['requests_per_s'] / b['requests_per_s']:.2f} |")
PY
echo
echo "round trips one at a time after 20 warm-up calls ($N measured); $C clients for ${S} s, one session each; command: bench/mcp.sh"
