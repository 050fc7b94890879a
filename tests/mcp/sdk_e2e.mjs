// End-to-end over stdio with the official MCP TypeScript SDK client (which validates every
// structuredContent against the tool's outputSchema with Ajv): list tools; validate the demo
// dataset; train on the built-in demo model; follow progress notifications and poll get_job until
// done (with its PNG); chat with the adapter and get a parsed tool call; evaluate as a task; a
// job of two data-parallel processes, completed and cancelled; restart the server and still see
// the job.
// Usage: node sdk_e2e.mjs path/to/llm-mcp path/to/npm-dir
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const [cli, npmDir] = process.argv.slice(2);
const sdk = (p) => import(pathToFileURL(join(npmDir, 'node_modules/@modelcontextprotocol/sdk/dist/esm', p)).href);
const { Client } = await sdk('client/index.js');
const { StdioClientTransport } = await sdk('client/stdio.js');
const { AjvJsonSchemaValidator } = await sdk('validation/ajv-provider.js');

const home = mkdtempSync(join(tmpdir(), 'llmcp-e2e-'));
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const step = (s) => console.log(`--- ${s}`);

async function connect() {
  const client = new Client({ name: 'llmcp-e2e', version: '1.0.0' });
  const transport = new StdioClientTransport({
    // An empty Hugging Face cache, offline: Hub ids are refused with what to do (tests/hub has the Hub).
    command: cli, args: ['serve', '--home', home], env: { ...process.env, HF_HOME: join(home, 'hf'), HF_HUB_OFFLINE: '1' },
    stderr: 'inherit',
  });
  await client.connect(transport);
  return client;
}

const validator = new AjvJsonSchemaValidator();
const outputSchemas = new Map();
// Calls a tool and checks its structured output against the declared schema ourselves too.
async function call(client, name, args, options) {
  const r = await client.callTool({ name, arguments: args }, undefined, options);
  assert.ok(!r.isError, `${name} failed: ${JSON.stringify(r.content)}`);
  const schema = outputSchemas.get(name);
  if (schema) {
    const check = validator.getValidator(schema)(r.structuredContent);
    assert.ok(check.valid, `${name}: structuredContent breaks outputSchema: ${check.errorMessage}`);
  }
  return r;
}

try {
  let client = await connect();
  step('tools/list');
  const { tools } = await client.listTools();
  for (const t of tools) {
    assert.ok(t.description && t.description.length > 40, `${t.name} needs a description for assistants`);
    assert.equal(t.inputSchema.type, 'object');
    assert.equal(t.inputSchema.additionalProperties, false, `${t.name}: additionalProperties must be false`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name} needs an outputSchema`);
    outputSchemas.set(t.name, t.outputSchema);
  }
  const names = tools.map((t) => t.name);
  for (const n of ['list_models', 'model_info', 'download_model', 'estimate_memory', 'recommend_config',
    'validate_dataset', 'start_training', 'get_job', 'list_jobs', 'cancel_job', 'resume_job', 'list_adapters',
    'load_adapter', 'unload_adapter', 'merge_adapter', 'generate', 'chat', 'evaluate']) {
    assert.ok(names.includes(n), `missing tool ${n}`);
  }

  step('list_models');
  const models = await call(client, 'list_models', {});
  assert.ok(models.structuredContent.models.some((m) => m.name === 'demo-base' && m.source === 'built-in'));

  step('validate_dataset');
  const v = await call(client, 'validate_dataset', { dataset: 'tool_calls_train.jsonl', model: 'demo-base' });
  assert.equal(v.structuredContent.format, 'tool_calls');
  assert.equal(v.structuredContent.used, 7200);
  assert.equal(v.structuredContent.skipped, 0);
  assert.ok(v.structuredContent.example.marked.includes('\u27e6<tool_call>'), v.structuredContent.example.marked);

  step('estimate_memory, recommend_config');
  const est = await call(client, 'estimate_memory', { model: 'meta-llama/Llama-2-7b-hf', method: 'qlora',
    gpu: 'RTX 4090 24GB', seq_len: 1024, batch_size: 1, gradient_checkpointing: true });
  assert.equal(est.structuredContent.fits, true, JSON.stringify(est.structuredContent));
  assert.ok(est.structuredContent.breakdown.weights > 3 * 2 ** 30);  // 6.5B parameters in 4 bits
  const tooBig = await call(client, 'estimate_memory', { model: 'meta-llama/Llama-2-70b-hf', method: 'full', gpu: 'H100' });
  assert.equal(tooBig.structuredContent.fits, false);
  assert.ok(tooBig.structuredContent.advice.length > 0);
  const rec = await call(client, 'recommend_config', { model: 'demo-base', dataset: 'tool_calls_train.jsonl', memory_gb: 8 });
  assert.equal(rec.structuredContent.dataset.examples, 7200);
  assert.ok(['lora', 'dora'].includes(rec.structuredContent.config.method), rec.structuredContent.yaml);
  assert.ok(rec.structuredContent.reasons.length >= 5);

  step('start_training');
  const started = await call(client, 'start_training', {
    name: 'e2e',
    config: {
      model: 'demo-base', dataset: 'tool_calls_train.jsonl', max_steps: 60, batch_size: 16, seq_len: 256,
      learning_rate: 0.002, lora_rank: 16, lora_alpha: 32, target_modules: 'all-linear', logging_steps: 5,
    },
  });
  const jobId = started.structuredContent.job_id;
  assert.match(jobId, /^job-\d+$/);
  assert.ok(['queued', 'running'].includes(started.structuredContent.status));

  step(`get_job ${jobId} until done`);
  const progress = [];
  let job;
  for (let polls = 0; polls < 30; ++polls) {
    job = await call(client, 'get_job', { job_id: jobId, wait_seconds: 20 }, {
      onprogress: (p) => progress.push(p), resetTimeoutOnProgress: true, timeout: 60000,
    });
    if (!['queued', 'running'].includes(job.structuredContent.status)) break;
  }
  assert.equal(job.structuredContent.status, 'completed', JSON.stringify(job.structuredContent));
  assert.equal(job.structuredContent.step, 60);
  assert.ok(progress.length >= 3, `only ${progress.length} progress notifications`);
  for (let i = 1; i < progress.length; ++i) assert.ok(progress[i].progress >= progress[i - 1].progress);
  assert.equal(progress.at(-1).total, 60);
  const image = job.content.find((c) => c.type === 'image');
  assert.ok(image, 'get_job returns the loss curve');
  assert.equal(image.mimeType, 'image/png');
  const png = Buffer.from(image.data, 'base64');
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  step('list_adapters');
  const adapters = await call(client, 'list_adapters', {});
  assert.ok(adapters.structuredContent.adapters.some((a) => a.name === 'e2e'));

  step('chat with the adapter');
  const chat = await call(client, 'chat', {
    adapter: 'e2e', messages: [{ role: 'user', content: 'Remind me to water the plants at 7pm' }], max_new_tokens: 64,
  });
  console.log(`    generated: ${JSON.stringify(chat.structuredContent.text)}`);
  assert.ok(chat.structuredContent.tool_calls.length >= 1, 'the adapter answers with a tool call');
  assert.equal(typeof chat.structuredContent.tool_calls[0].name, 'string');
  assert.equal(typeof chat.structuredContent.tool_calls[0].arguments, 'object');
  assert.equal(chat.structuredContent.tool_call_style, 'hermes');

  step('merge, unload, download');
  const merged = await call(client, 'merge_adapter', { adapter: 'e2e', output: 'e2e-merged' });
  assert.ok(merged.structuredContent.modules_merged > 0);
  const info = await call(client, 'model_info', { model: 'e2e-merged' });
  assert.equal(info.structuredContent.architecture, 'LlamaForCausalLM');
  await call(client, 'unload_adapter', { name: 'e2e' });
  const after = await call(client, 'list_adapters', {});
  assert.equal(after.structuredContent.adapters.find((a) => a.name === 'e2e').loaded, false);
  const copied = await call(client, 'download_model', { model: join(repo, 'examples/demo-base'), name: 'demo-copy' });
  assert.equal(copied.structuredContent.parameters, info.structuredContent.parameters);
  const hub = await client.callTool({ name: 'download_model', arguments: { model: 'meta-llama/Llama-3.2-1B' } });
  assert.equal(hub.isError, true);
  assert.match(hub.content[0].text, /HF_HUB_OFFLINE is set.*holds for meta-llama\/Llama-3.2-1B: nothing/);
  const escape = await client.callTool({ name: 'model_info', arguments: { model: '/etc' } });
  assert.equal(escape.isError, true);
  assert.match(escape.content[0].text, /outside the folders/);

  step('evaluate as a task');
  const evalLines = readFileSync(join(repo, 'examples/data/tool_calls_eval.jsonl'), 'utf8').split('\n').slice(0, 10);
  writeFileSync(join(home, 'datasets', 'eval10.jsonl'), evalLines.join('\n') + '\n');
  const stream = client.experimental.tasks.callToolStream(
    { name: 'evaluate', arguments: { model: 'demo-base', adapter: 'e2e', dataset: 'eval10.jsonl' } });
  const kinds = [];
  let evaluation;
  for await (const message of stream) {
    kinds.push(message.type);
    if (message.type === 'error') throw message.error;
    if (message.type === 'result') evaluation = message.result;
  }
  assert.equal(kinds[0], 'taskCreated');
  assert.equal(evaluation.structuredContent.tool_calls.cases, 10);
  assert.ok(evaluation.structuredContent.loss > 0);
  step('start_training with processes: 2 is one job whose two ranks train together');
  const waitDone = async (id) => {
    let j;
    for (let polls = 0; polls < 30; ++polls) {
      j = (await call(client, 'get_job', { job_id: id, wait_seconds: 20 }, { timeout: 60000 })).structuredContent;
      if (!['queued', 'running'].includes(j.status)) break;
    }
    return j;
  };
  const small = { model: 'demo-base', dataset: 'tool_calls_sample.jsonl', batch_size: 2, save_steps: 0 };
  const dp = await call(client, 'start_training', { name: 'dp', processes: 2, config: { ...small, max_steps: 3 } });
  assert.equal(dp.structuredContent.processes, 2);
  const dpDone = await waitDone(dp.structuredContent.job_id);
  assert.equal(dpDone.status, 'completed', JSON.stringify(dpDone));
  assert.equal(dpDone.step, 3);
  const dpLog = readFileSync(join(home, 'jobs', dpDone.job_id, 'train.log'), 'utf8');
  assert.match(dpLog, /rank 1 of 2 joined/);
  // cancel_job reaches both ranks: they agree to stop after the same step and rank 0 checkpoints.
  const long = await call(client, 'start_training', { name: 'dp-long', processes: 2,
                                                       config: { ...small, max_steps: 4000, save_steps: 0 } });
  const longId = long.structuredContent.job_id;
  for (let i = 0; i < 100; ++i) {
    const j = (await call(client, 'get_job', { job_id: longId, wait_seconds: 1 })).structuredContent;
    if (j.step > 0) break;
  }
  await call(client, 'cancel_job', { job_id: longId });
  const cancelled = await waitDone(longId);
  assert.equal(cancelled.status, 'cancelled', JSON.stringify(cancelled));
  assert.ok(cancelled.last_checkpoint, 'a checkpoint was written when the group stopped');
  await client.close();

  step('restart: the job is still there');
  client = await connect();
  await client.listTools();
  const jobs = await client.callTool({ name: 'list_jobs', arguments: {} });
  const listed = jobs.structuredContent.jobs.find((j) => j.job_id === jobId);
  assert.ok(listed, 'the job survives a restart');
  assert.equal(listed.status, 'completed');
  const again = await client.callTool({ name: 'get_job', arguments: { job_id: jobId } });
  assert.equal(again.structuredContent.step, 60);
  const resource = await client.readResource({ uri: `llmcp://jobs/${jobId}` });
  assert.equal(JSON.parse(resource.contents[0].text).status, 'completed');
  await client.close();
  console.log('sdk e2e: all passed');
} finally {
  rmSync(home, { recursive: true, force: true });
}
