// The official OpenAI client (npm `openai`) against `llm-mcp serve-openai`: the model list with
// the adapters, completions and chat (plain and streamed, with usage), adapters chosen by name
// (each answer equal to `llm-mcp generate --adapter` alone, also under concurrent load), tools
// with each tool_choice (required and a named function always parse), logprobs, n streamed,
// runtime adapter loading and unloading, OpenAI-shaped errors, a client that disconnects
// mid-stream (its KV blocks come back, as /metrics shows), two adapters taking turns in a pool of
// one (--max-loras 1), `serve --http` alone serving the workspace's models by name, and the API key.
// Usage: node openai_client.mjs path/to/llm-mcp npm-dir model-dir lora-dir dora-dir
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [cli, npmDir, model, lora, dora] = process.argv.slice(2);
const { default: OpenAI } = await import(pathToFileURL(join(npmDir, 'node_modules/openai/index.mjs')).href);
const step = (s) => console.log(`--- ${s}`);

// Starts the server on a free port; resolves with its base URL once it listens.
function start(args, command = ['serve-openai', '--model', model, '--served-model-name', 'demo', '--kv-cache-gb', '0.25']) {
  const p = spawn(cli, [...command, '--port', '0', ...args], { stdio: ['ignore', 'inherit', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    p.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d);
      const m = /on port (\d+)/.exec(err);
      if (m) resolve({ proc: p, url: `http://127.0.0.1:${m[1]}` });
    });
    p.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
  });
}

const metric = (text, name) => Number(new RegExp(`${name}\\{[^}]*\\} (\\d+)`).exec(text)[1]);
const alone = (adapter, prompt, n) => execFileSync(cli, ['generate', '--model', model, '--prompt', prompt,
  '--max-new-tokens', String(n), ...(adapter ? ['--adapter', adapter] : [])], { encoding: 'utf8' }).replace(/\n$/, '');

const server = await start(['--lora', `lora=${lora}`, '--allow-runtime-lora']);
let want = null;  // each model's answer to 'Hello there' (8 tokens), equal to generate alone
const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
try {
  step('models');
  const models = (await client.models.list()).data;
  assert.deepEqual(models.map((m) => m.id), ['demo', 'lora']);
  assert.equal(models[1].parent, 'demo');

  step('completions: the base and an adapter by name, as generate gives them alone');
  for (const [name, dir] of [['demo', null], ['lora', lora]]) {
    const r = await client.completions.create({ model: name, prompt: 'Hello there', max_tokens: 8, temperature: 0 });
    assert.equal(r.object, 'text_completion');
    assert.equal(r.choices[0].text, alone(dir, 'Hello there', 8), name);
    assert.equal(r.usage.completion_tokens + r.usage.prompt_tokens, r.usage.total_tokens);
    assert.ok(['length', 'stop'].includes(r.choices[0].finish_reason));
  }
  const base = await client.completions.create({ model: 'demo', prompt: 'Hello there', max_tokens: 8 });
  const two = await client.completions.create({ model: 'demo', prompt: 'Hello there', max_tokens: 8, n: 2 });
  assert.deepEqual(two.choices.map((c) => [c.index, c.text]), [[0, base.choices[0].text], [1, base.choices[0].text]]);
  assert.equal(two.usage.completion_tokens, 2 * base.usage.completion_tokens);
  const adapted = await client.completions.create({ model: 'lora', prompt: 'Hello there', max_tokens: 8 });
  assert.notEqual(base.choices[0].text, adapted.choices[0].text, 'the adapter changes the answer');

  step('chat, plain and streamed with usage');
  const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
  const chat = await client.chat.completions.create({ model: 'demo', messages, max_completion_tokens: 6 });
  assert.equal(chat.choices[0].message.role, 'assistant');
  let streamed = '', usage = null, finish = null, chunks = 0;
  for await (const c of await client.chat.completions.create({ model: 'demo', messages, max_tokens: 6, stream: true,
                                                             stream_options: { include_usage: true } })) {
    chunks++;
    if (c.usage) usage = c.usage;
    for (const ch of c.choices) {
      streamed += ch.delta.content ?? '';
      finish = ch.finish_reason ?? finish;
    }
  }
  assert.equal(streamed, chat.choices[0].message.content);
  assert.equal(usage.completion_tokens, chat.usage.completion_tokens);
  assert.ok(chunks >= 3 && finish);
  const completionStream = await client.completions.create({ model: 'lora', prompt: 'Hello there', max_tokens: 8, stream: true });
  let text = '';
  for await (const c of completionStream) text += c.choices[0]?.text ?? '';
  assert.equal(text, adapted.choices[0].text);

  step('tools: auto and none; required and a named function always give a parsed call');
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'get_time', description: 'Time in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
  for (const tool_choice of ['auto', 'none']) {
    const r = await client.chat.completions.create({ model: 'demo', messages, tools, tool_choice, max_tokens: 8 });
    const m = r.choices[0].message;
    assert.ok(m.content !== null || m.tool_calls?.length, JSON.stringify(m));
    if (tool_choice === 'none') assert.ok(!m.tool_calls?.length);
  }
  const forcedCases = [['demo', 'required', null], ['demo', { type: 'function', function: { name: 'get_time' } }, 'get_time'],
                       ['lora', { type: 'function', function: { name: 'get_weather' } }, 'get_weather']];
  for (const [model, tool_choice, want] of forcedCases) {
    const r = await client.chat.completions.create({ model, messages, tools, tool_choice, max_tokens: 256, seed: 3,
                                                     temperature: 0.7 });
    const m = r.choices[0].message;
    assert.equal(r.choices[0].finish_reason, 'tool_calls', JSON.stringify(r.choices[0]));
    assert.equal(m.tool_calls.length, 1);
    assert.equal(m.tool_calls[0].type, 'function');
    assert.ok(want ? m.tool_calls[0].function.name === want : ['get_weather', 'get_time'].includes(m.tool_calls[0].function.name));
    assert.equal(typeof JSON.parse(m.tool_calls[0].function.arguments), 'object');
    assert.equal(m.content, null);
  }
  let streamedCall = null;
  for await (const c of await client.chat.completions.create({ model: 'demo', messages, tools, tool_choice: 'required',
                                                             max_tokens: 256, stream: true, seed: 3, temperature: 0.7 }))
    for (const ch of c.choices) streamedCall = ch.delta.tool_calls?.[0] ?? streamedCall;
  assert.ok(streamedCall && streamedCall.index === 0 && streamedCall.function.name, JSON.stringify(streamedCall));
  for (const bad of [[7], [{ type: 'function' }], [{ type: 'retrieval', function: { name: 'x' } }]])
    await assert.rejects(client.chat.completions.create({ model: 'demo', messages, tools: bad, max_tokens: 4 }),
                         (e) => e instanceof OpenAI.BadRequestError && /each tool must be/.test(e.message), JSON.stringify(bad));
  await assert.rejects(client.chat.completions.create({ model: 'demo', messages, tool_choice: 'required' }),
                       (e) => e instanceof OpenAI.BadRequestError && /needs 'tools'/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model: 'demo', messages, tools,
                                                        tool_choice: { type: 'function', function: { name: 'nope' } } }),
                       (e) => e instanceof OpenAI.BadRequestError && /'nope', which is not among/.test(e.message));

  step('logprobs: completions and chat, plain and streamed, agree; the best token is the greedy pick');
  const lpc = await client.completions.create({ model: 'demo', prompt: 'Hello there', max_tokens: 6, temperature: 0,
                                                logprobs: 3 });
  const lp = lpc.choices[0].logprobs;
  assert.equal(lp.tokens.join(''), lpc.choices[0].text);
  assert.equal(lp.token_logprobs.length, lpc.usage.completion_tokens);
  lp.top_logprobs.forEach((top, i) => {
    const best = Object.entries(top).sort((a, b) => b[1] - a[1])[0];
    assert.equal(best[0], lp.tokens[i]);  // greedy: the chosen token is the most likely
    assert.ok(lp.token_logprobs[i] <= 0 && Object.keys(top).length === 3);
  });
  assert.deepEqual(lp.text_offset, lp.tokens.map((_, i) => lp.tokens.slice(0, i).join('').length));
  const lpChat = await client.chat.completions.create({ model: 'lora', messages, max_tokens: 6, temperature: 0,
                                                        logprobs: true, top_logprobs: 2 });
  const content = lpChat.choices[0].logprobs.content;
  assert.equal(content.map((t) => t.token).join(''), lpChat.choices[0].message.content);
  for (const t of content) {
    assert.equal(t.top_logprobs.length, 2);
    assert.equal(t.top_logprobs[0].token, t.token);
    assert.equal(Buffer.from(t.bytes).toString('utf8'), t.token);
  }
  const streamedLp = [];
  for await (const c of await client.chat.completions.create({ model: 'lora', messages, max_tokens: 6, temperature: 0,
                                                             logprobs: true, top_logprobs: 2, stream: true }))
    for (const ch of c.choices) streamedLp.push(...(ch.logprobs?.content ?? []));
  assert.deepEqual(streamedLp, content);
  await assert.rejects(client.chat.completions.create({ model: 'demo', messages, top_logprobs: 2 }),
                       (e) => e instanceof OpenAI.BadRequestError && /needs 'logprobs'/.test(e.message));

  step('n > 1, streamed: each choice by its index, all together');
  const byIndex = ['', ''];
  for await (const c of await client.completions.create({ model: 'demo', prompt: 'Hello there', max_tokens: 8, n: 2,
                                                       stream: true }))
    for (const ch of c.choices) byIndex[ch.index] += ch.text;
  assert.deepEqual(byIndex, [base.choices[0].text, base.choices[0].text]);

  step('runtime adapters: load, use, unload');
  await client.post('/load_lora_adapter', { body: { lora_name: 'dora', lora_path: dora } });
  assert.deepEqual((await client.models.list()).data.map((m) => m.id), ['demo', 'dora', 'lora']);
  const d = await client.completions.create({ model: 'dora', prompt: 'Hello there', max_tokens: 8 });
  assert.equal(d.choices[0].text, alone(dora, 'Hello there', 8));
  await assert.rejects(client.post('/load_lora_adapter', { body: { lora_name: 'dora', lora_path: dora } }),
                       (e) => e.status === 400 && /already been loaded/.test(e.message));

  step('32 concurrent requests over the base and two adapters equal their answers alone');
  want = { demo: base.choices[0].text, lora: adapted.choices[0].text, dora: d.choices[0].text };
  const names = Object.keys(want);
  const all = await Promise.all(Array.from({ length: 32 }, (_, i) =>
    client.completions.create({ model: names[i % 3], prompt: 'Hello there', max_tokens: 8 })));
  all.forEach((r, i) => assert.equal(r.choices[0].text, want[names[i % 3]], `request ${i}`));
  await client.post('/unload_lora_adapter', { body: { lora_name: 'dora' } });
  await assert.rejects(client.completions.create({ model: 'dora', prompt: 'x' }), (e) => e.status === 404);

  step('errors in OpenAI shape');
  await assert.rejects(client.completions.create({ model: 'nope', prompt: 'x' }),
                       (e) => e instanceof OpenAI.NotFoundError && /nope/.test(e.message));
  await assert.rejects(client.completions.create({ model: 'demo', prompt: 'x', max_tokens: -3 }),
                       (e) => e instanceof OpenAI.BadRequestError && /max_tokens/.test(e.message));
  await assert.rejects(client.completions.create({ model: 'demo', prompt: 'x', logprobs: 21 }),
                       (e) => e instanceof OpenAI.BadRequestError && /'logprobs' must be 0 to 20/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model: 'demo', messages: [] }),
                       (e) => e instanceof OpenAI.BadRequestError && /messages/.test(e.message));
  await assert.rejects(client.completions.create({ model: 'demo', prompt: 'x '.repeat(5000), max_tokens: 4 }),
                       (e) => e instanceof OpenAI.BadRequestError && /context/.test(e.message) &&
                         !/truncat/.test(e.message));  // this API has no truncation to offer
  // The limit is named as the client wrote it.
  await assert.rejects(client.completions.create({ model: 'demo', prompt: 'x', max_tokens: 100000 }),
                       (e) => e instanceof OpenAI.BadRequestError && /lower 'max_tokens' to at most/.test(e.message));
  await assert.rejects(client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'x' }],
                                                        max_completion_tokens: 100000 }),
                       (e) => e instanceof OpenAI.BadRequestError && /'max_completion_tokens' 100000/.test(e.message));

  for (const body of ['{not json', '[1, 2]']) {
    const r = await fetch(`${server.url}/v1/completions`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.type, 'invalid_request_error');
  }

  step('twelve streams at once are all served at once (not queued behind a small thread pool)');
  const finishedNow = async () => metric(await (await fetch(`${server.url}/metrics`)).text(), 'llmcp_requests_finished_total');
  const before = await finishedNow();
  const streams = await Promise.all(Array.from({ length: 12 }, () => client.completions.create(
    { model: 'demo', prompt: 'Hello', max_tokens: 1000, ignore_eos: true, stream: true })));
  const readers = streams.map((st) => st[Symbol.asyncIterator]());
  for (const r of readers) await r.next();  // each stream's first chunk
  // Queued behind a pool of 8 threads, streams 9-12 would have started only after 8 had ended.
  assert.equal(await finishedNow(), before, 'all twelve were running together');
  for (const r of readers) while (!(await r.next()).done);
  assert.equal(await finishedNow(), before + 12);

  step('a client that disconnects mid-stream frees its KV blocks');
  const ac = new AbortController();
  const s = await client.completions.create({ model: 'demo', prompt: 'Hello', max_tokens: 1000, stream: true },
                                            { signal: ac.signal });
  try {
    for await (const c of s) {  // the first chunk, then the connection is dropped
      ac.abort();
      break;
    }
  } catch (e) {
    assert.ok(e.name === 'AbortError' || e instanceof OpenAI.APIUserAbortError, String(e));
  }
  const running = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(running, /llmcp_generation_tokens_total/);
  let used = -1, cancelled = 0;
  for (let i = 0; i < 100 && (used !== 0 || cancelled === 0); i++) {
    await new Promise((r) => setTimeout(r, 50));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    used = metric(metrics, 'llmcp_kv_cache_blocks_used');
    cancelled = metric(metrics, 'llmcp_requests_cancelled_total');
  }
  assert.equal(cancelled, 1, 'the dropped stream was cancelled, not run to its end');
  assert.equal(used, 0);
} finally {
  server.proc.kill();
}

step('--max-loras 1: two adapters take turns in a pool of one, each answer still its own');
const pooled = await start(['--max-loras', '1', '--lora', `lora=${lora}`, '--lora', `dora=${dora}`]);
try {
  const c = new OpenAI({ baseURL: `${pooled.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  assert.deepEqual((await c.models.list()).data.map((m) => m.id), ['demo', 'dora', 'lora']);
  const names = ['lora', 'dora', 'demo'];
  const all = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    c.completions.create({ model: names[i % 3], prompt: 'Hello there', max_tokens: 8 })));
  all.forEach((r, i) => assert.equal(r.choices[0].text, want[names[i % 3]], `request ${i}`));
  const m = await (await fetch(`${pooled.url}/metrics`)).text();
  assert.equal(metric(m, 'llmcp_lora_adapters_max'), 1);
  assert.equal(metric(m, 'llmcp_lora_adapters_loaded'), 1);
  assert.ok(metric(m, 'llmcp_lora_adapter_evictions_total') >= 2, 'both adapters were loaded in turn');
} finally {
  pooled.proc.kill();
}

step('serve --http without --model: /v1 serves the workspace\'s models by name beside /mcp');
const home = mkdtempSync(join(tmpdir(), 'llmcp-ws-'));
mkdirSync(join(home, 'adapters'));
cpSync(lora, join(home, 'adapters', 'mine'), { recursive: true });
const ws = await start(['--home', home, '--allow-runtime-lora'], ['serve', '--http']);
try {
  const c = new OpenAI({ baseURL: `${ws.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  const ids = (await c.models.list()).data.map((m) => m.id);
  assert.ok(ids.includes('demo-base'), `the built-in model is listed: ${ids}`);
  const r = await c.completions.create({ model: 'demo-base', prompt: 'Hello there', max_tokens: 8 });
  assert.equal(r.choices[0].text, want.demo);
  // Its base comes from its adapter_config.json (the built-in demo-base's folder).
  await c.post('/load_lora_adapter', { body: { lora_name: 'mine', lora_path: 'mine' } });
  const listed = (await c.models.list()).data.find((m) => m.id === 'mine');
  assert.equal(listed.parent, 'demo-base');
  const a = await c.completions.create({ model: 'mine', prompt: 'Hello there', max_tokens: 8 });
  assert.equal(a.choices[0].text, want.lora);
  await assert.rejects(c.completions.create({ model: 'nope', prompt: 'x' }), (e) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(c.completions.create({ model: lora, prompt: 'x' }),  // a folder outside the workspace
                       (e) => e instanceof OpenAI.BadRequestError && /outside the folders/.test(e.message));
  await assert.rejects(c.completions.create({ prompt: 'x' }), (e) => e instanceof OpenAI.BadRequestError);
  // MCP answers on the same port.
  const init = await fetch(`${ws.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) });
  assert.equal(init.status, 200);
} finally {
  ws.proc.kill();
  rmSync(home, { recursive: true, force: true });
}

step('an API key is required when set');
const keyed = await start(['--api-key', 'sekret']);
try {
  const wrong = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(wrong.models.list(), (e) => e instanceof OpenAI.AuthenticationError);
  const right = new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey: 'sekret', maxRetries: 0 });
  assert.equal((await right.models.list()).data[0].id, 'demo');
} finally {
  keyed.proc.kill();
}
console.log('openai client: all passed');
