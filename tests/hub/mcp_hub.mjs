// The Hub through MCP, with the official TypeScript SDK client over stdio against `llm-mcp serve`
// and the Hub emulator: model_info of an id the cache lacks says to call download_model;
// download_model as a task (taskCreated first, progress notifications) cancelled mid-file, then
// run again: it resumes with a Range request and completes; list_models shows the cached model;
// start_training on the Hub id; the adapter names it (base_model_name_or_path) and generate finds
// the base from it.
// Usage: node mcp_hub.mjs path/to/llm-mcp path/to/npm-dir python source-dir
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [cli, npmDir, python, repo] = process.argv.slice(2);
const sdk = (p) => import(pathToFileURL(join(npmDir, 'node_modules/@modelcontextprotocol/sdk/dist/esm', p)).href);
const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');
const step = (s) => console.log(`--- ${s}`);
const home = mkdtempSync(join(tmpdir(), 'llmcp-mcp-hub-'));
const demo = join(repo, 'examples/demo-base');
const sha = createHash('sha256').update(readFileSync(join(demo, 'model.safetensors'))).digest('hex');

const ready = join(home, 'ready.json');
const emulator = spawn(python, [join(repo, 'tools/hub_emulator/hub_emulator.py'), '--repo', `org/demo=${demo}`,
  '--ready-file', ready], { stdio: ['ignore', 'ignore', 'inherit'] });
for (let i = 0; i < 200 && !existsSync(ready); ++i) await new Promise((r) => setTimeout(r, 50));
const { endpoint } = JSON.parse(readFileSync(ready, 'utf8'));
const control = async (path, body) => (await fetch(endpoint + path, body === undefined ? {} :
  { method: 'POST', body: JSON.stringify(body) })).json();

const env = { ...process.env, HF_HOME: join(home, 'hf'), HF_ENDPOINT: endpoint, HF_HUB_DISABLE_XET: '1' };
delete env.HF_HUB_OFFLINE;
const client = new Client({ name: 'llmcp-mcp-hub', version: '1.0.0' });
await client.connect(new StdioClientTransport({ command: cli, args: ['serve', '--home', join(home, 'ws')], env,
  stderr: 'inherit' }));


try {
  await client.listTools();  // the SDK learns which tools run as tasks
  step('model_info on a Hub id the cache lacks');
  const missing = await client.callTool({ name: 'model_info', arguments: { model: 'org/demo' } });
  assert.equal(missing.isError, true);
  assert.match(missing.content[0].text, /does not hold that model.*download_model/);

  step('download_model as a task, cancelled mid-file');
  await control('/_control/faults', [{ kind: 'throttle', match: sha, rate: 1 << 20, times: -1 }]);
  const partial = join(home, 'hf/hub/models--org--demo/blobs', `${sha}.incomplete`);
  let taskId;
  const cancelled = client.experimental.tasks.callToolStream({ name: 'download_model', arguments: { model: 'org/demo' } },
    undefined, { onprogress: () => {} });
  const kinds = [];
  for await (const m of cancelled) {
    kinds.push(m.type);
    if (m.type === 'taskCreated') {
      taskId = m.task.taskId;
      while (!existsSync(partial) || statSync(partial).size < (1 << 20)) await new Promise((r) => setTimeout(r, 50));
      await client.experimental.tasks.cancelTask(taskId);
    }
  }
  assert.equal(kinds[0], 'taskCreated');
  assert.equal(kinds.at(-1), 'error');
  assert.equal((await client.experimental.tasks.getTask(taskId)).status, 'cancelled');
  for (let i = 0; i < 100 && existsSync(partial) && statSync(partial).size < 1; ++i) await new Promise((r) => setTimeout(r, 50));
  const kept = statSync(partial).size;
  assert.ok(kept > 0, 'the bytes that arrived are kept');
  assert.ok(!existsSync(join(home, 'hf/hub/models--org--demo/snapshots')), 'no snapshot before every file is complete');

  step('download_model again: resumes and completes, with progress');
  await control('/_control/reset');
  const progress = [];
  const seen = [];
  for await (const m of client.experimental.tasks.callToolStream(
    { name: 'download_model', arguments: { model: 'org/demo' } }, undefined, { onprogress: (p) => progress.push(p) })) {
    seen.push(m);
  }
  assert.equal(seen[0].type, 'taskCreated');
  const result = seen.at(-1);
  assert.equal(result.type, 'result', JSON.stringify(result));
  const done = result.result.structuredContent;
  assert.equal(done.name, 'org/demo');
  assert.equal(done.architecture, 'LlamaForCausalLM');
  assert.ok(progress.length >= 1, 'progress notifications');
  assert.equal(progress.at(-1).progress, progress.at(-1).total);
  assert.equal(progress.at(-1).total, done.total_bytes);
  const log = await control('/_control/log');
  const ranges = log.filter((e) => e.server === 'cdn' && e.range).map((e) => e.range);
  assert.ok(ranges.length === 1 && Number(ranges[0].slice(6, -1)) >= kept, JSON.stringify(ranges));
  const blob = readFileSync(join(home, 'hf/hub/models--org--demo/blobs', sha));
  assert.equal(createHash('sha256').update(blob).digest('hex'), sha);
  assert.deepEqual(readdirSync(join(home, 'hf/hub/models--org--demo/blobs')).filter((f) => f.endsWith('.incomplete')), []);

  step('list_models shows it');
  const models = await client.callTool({ name: 'list_models', arguments: {} });
  assert.ok(models.structuredContent.models.some((m) => m.name === 'org/demo' && m.source === 'hub-cache'));

  step('start_training on the Hub id');
  const started = await client.callTool({ name: 'start_training', arguments: { name: 'hubrun', config: {
    model: 'org/demo', dataset: 'tool_calls_train.jsonl', max_steps: 3, batch_size: 2, seq_len: 64, lora_rank: 4,
    logging_steps: 1 } } });
  assert.ok(!started.isError, JSON.stringify(started.content));
  let job;
  for (let polls = 0; polls < 60; ++polls) {
    job = await client.callTool({ name: 'get_job', arguments: { job_id: started.structuredContent.job_id, wait_seconds: 10 } });
    if (!['queued', 'running'].includes(job.structuredContent.status)) break;
  }
  assert.equal(job.structuredContent.status, 'completed', JSON.stringify(job.structuredContent));
  const adapterConfig = JSON.parse(readFileSync(join(home, 'ws/adapters/hubrun/adapter_config.json'), 'utf8'));
  assert.equal(adapterConfig.base_model_name_or_path, 'org/demo');

  step('generate with the adapter finds its base in the cache');
  const gen = await client.callTool({ name: 'generate', arguments: { adapter: 'hubrun', prompt: 'Hello', max_new_tokens: 4 } });
  assert.ok(!gen.isError, JSON.stringify(gen.content));
  await client.close();
  console.log('mcp hub: all passed');
} finally {
  emulator.kill();
  rmSync(home, { recursive: true, force: true });
}
