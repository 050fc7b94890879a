// The peer for bench/mcp_bench: the official MCP TypeScript SDK server (McpServer) offering
// `list_models` with a fixed answer (llm-mcp's own answer, captured once), over stdio or
// Streamable HTTP (one transport per session, as the SDK's examples do).
// Usage: node peer_mcp_server.mjs stdio ANSWER.json | node peer_mcp_server.mjs http PORT ANSWER.json
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const npm = process.env.LLMCP_NODE_PATH;
const sdk = (p) => import(pathToFileURL(join(npm, 'node_modules/@modelcontextprotocol/sdk/dist/esm', p)).href);
const { McpServer } = await sdk('server/mcp.js');
const { StdioServerTransport } = await sdk('server/stdio.js');
const { StreamableHTTPServerTransport } = await sdk('server/streamableHttp.js');

const [mode, a, b] = process.argv.slice(2);
const answer = JSON.parse(readFileSync(mode === 'stdio' ? a : b, 'utf8'));

function makeServer() {
  const server = new McpServer({ name: 'peer', version: '1.0.0' });
  server.registerTool('list_models', { description: 'Lists models (fixed answer)', inputSchema: {} }, async () => ({
    content: [{ type: 'text', text: JSON.stringify(answer, null, 2) }], structuredContent: answer,
  }));
  return server;
}

if (mode === 'stdio') {
  await makeServer().connect(new StdioServerTransport());
} else {
  const transports = new Map();
  http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const parsed = body ? JSON.parse(body) : undefined;
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(), onsessioninitialized: (id) => transports.set(id, transport),
      });
      await makeServer().connect(transport);
    }
    await transport.handleRequest(req, res, parsed);
  }).listen(Number(a), '127.0.0.1', () => console.error(`peer: listening on ${a}`));
}
