// A load generator for OpenAI-compatible servers (bench/serve.sh): C concurrent clients, each
// sending R streamed /v1/completions requests one after another (the same prompt, greedy, a fixed
// max_tokens), over loopback with Node's fetch. Measures output tokens/s over the whole run (text
// events counted as tokens: both servers stream one token per event), and per request the time to
// the first token (TTFT) and between tokens (ITL), reported as p50 / p99 in milliseconds.
// Usage: node serve_load.mjs URL MODEL CLIENTS REQUESTS_PER_CLIENT MAX_TOKENS PROMPT_FILE [MODELS]
// MODELS: comma-separated model names given to requests in turn (adapters), default MODEL.
// Prints {"clients", "requests", "output_tokens", "seconds", "tokens_per_s", "ttft_ms": {p50, p99},
// "itl_ms": {p50, p99}}.
import { readFileSync } from 'node:fs';

const [url, model, clientsArg, perClientArg, maxTokensArg, promptFile, modelsArg] = process.argv.slice(2);
const clients = Number(clientsArg), perClient = Number(perClientArg), maxTokens = Number(maxTokensArg);
const prompt = readFileSync(promptFile, 'utf8');
const models = (modelsArg || model).split(',');

async function one(name) {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: name, prompt, max_tokens: maxTokens, temperature: 0, stream: true }),
  });
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const times = [];
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const bytes of res.body) {
    buffered += decoder.decode(bytes, { stream: true });
    let end;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
      if (!data || data === '[DONE]') continue;
      const j = JSON.parse(data);
      if (j.error) throw new Error(JSON.stringify(j.error));
      if (j.choices?.[0]?.text) times.push(performance.now());
    }
  }
  return { ttft: times.length ? times[0] - t0 : NaN, itl: times.slice(1).map((t, i) => t - times[i]), tokens: times.length };
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

await one(models[0]);  // warm-up: weights paged in, first-call costs paid
const start = performance.now();
let next = 0;
const results = (await Promise.all(Array.from({ length: clients }, async () => {
  const mine = [];
  for (let r = 0; r < perClient; r++) mine.push(await one(models[next++ % models.length]));
  return mine;
}))).flat();
const seconds = (performance.now() - start) / 1000;
const tokens = results.reduce((n, r) => n + r.tokens, 0);
const round = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({
  clients, requests: results.length, output_tokens: tokens, seconds: round(seconds), tokens_per_s: round(tokens / seconds),
  ttft_ms: { p50: round(quantile(results.map((r) => r.ttft), 0.5)), p99: round(quantile(results.map((r) => r.ttft), 0.99)) },
  itl_ms: { p50: round(quantile(results.flatMap((r) => r.itl), 0.5)), p99: round(quantile(results.flatMap((r) => r.itl), 0.99)) },
}));
