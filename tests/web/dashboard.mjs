// The dashboard in a real browser: Playwright's driver (npm playwright-core) runs Debian's Chromium
// headless against `llm-mcp serve --http --token`. A wrong token is refused (the login page, /ui/rpc
// and /v1 alike); after logging in, a short LoRA run is started from the form (the dataset checked,
// the planner asked first), its loss curve gains points while it runs, it is cancelled (a
// checkpoint listed), resumed and completes; its adapter is loaded and merged on the models page, and the
// playground streams an answer from it through /v1/chat/completions with a parsed tool call; the
// serving panel then shows the model. Every control has a label; screenshots of each page at
// 1280x800 (and the jobs page at phone width) go to the folder given.
// Usage: node dashboard.mjs path/to/llm-mcp npm-dir screenshot-dir
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [cli, npmDir, shots] = process.argv.slice(2);
const { chromium } = await import(pathToFileURL(join(npmDir, 'node_modules/playwright-core/index.mjs')).href);
const step = (s) => console.log(`--- ${s}`);
const TOKEN = 'dashboard-test-token';
mkdirSync(shots, { recursive: true });
const home = mkdtempSync(join(tmpdir(), 'llmcp-dashboard-'));

const server = spawn(cli, ['serve', '--http', '--port', '0', '--home', home, '--token', TOKEN],
                     { stdio: ['ignore', 'inherit', 'pipe'] });
const url = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    process.stderr.write(d);
    const m = /on port (\d+)/.exec(err);
    if (m) resolve(`http://127.0.0.1:${m[1]}`);
  });
  server.on('exit', (code) => reject(new Error(`server exited (${code}): ${err}`)));
});

const browser = await chromium.launch({ executablePath: process.env.LLMCP_CHROMIUM || '/usr/bin/chromium',
                                        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const pageErrors = [];
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.setDefaultTimeout(180000);  // (ctest runs it beside other suites on two cores)
  const nav = (name) => page.getByRole('navigation').getByRole('link', { name, exact: true });
  const shot = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

  step('a wrong token is refused: the login page again, and /ui/rpc, /v1 and the event stream without the cookie');
  await page.goto(url);
  await page.getByLabel(/Token/).fill('not-the-token');
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
  await page.getByRole('alert').filter({ hasText: 'not the server' }).waitFor();
  await shot('login-refused');
  for (const [path, init] of [['/ui/rpc', { method: 'POST', body: '{"method":"tools/list"}' }], ['/v1/models', {}],
                              ['/ui/jobs/job-1/events', {}], ['/metrics', {}]]) {
    const status = await page.evaluate(async ([p, i]) => (await fetch(p, i)).status, [path, init]);
    assert.equal(status, 401, path);
  }
  // Another site's page cannot drive it: a foreign Origin is refused even with the token.
  const foreign = await page.evaluate(async (t) => (await fetch('/ui/rpc', { method: 'POST', body: '{"method":"tools/list"}',
    headers: { Authorization: `Bearer ${t}` } })).status, TOKEN);
  assert.equal(foreign, 200);  // (same origin, the bearer header: admitted)

  step('log in');
  await page.getByLabel(/Token/).fill(TOKEN);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Log in' }).click()]);
  await page.getByRole('heading', { name: 'Jobs' }).waitFor();
  const cookies = await context.cookies();
  assert.ok(cookies.find((c) => c.name === 'llmcp_token' && c.httpOnly && c.sameSite === 'Strict'), JSON.stringify(cookies));

  step('start a run from the form: check the dataset, ask the planner, start');
  await nav('Start a run').click();
  await page.getByLabel('Model', { exact: true }).selectOption('demo-base');
  await page.getByLabel('Dataset', { exact: true }).fill('tool_calls_train.jsonl');
  await page.getByRole('button', { name: 'Check the dataset' }).click();
  await page.locator('#start-dataset-report mark').first().waitFor();
  assert.match(await page.locator('#start-dataset-report').innerText(), /tool_calls records: \d+ usable/);
  await page.getByLabel('Method', { exact: true }).selectOption('lora');
  await page.getByLabel('lora_rank', { exact: true }).fill('16');
  for (const [key, value] of Object.entries({ max_steps: '240', learning_rate: '0.002', batch_size: '8', save_steps: '20',
                                              logging_steps: '2', seq_len: '256' }))
    await page.getByLabel(key, { exact: true }).fill(value);
  await page.getByRole('button', { name: 'Estimate memory and suggest' }).click();
  await page.locator('#start-estimate').getByText(/fits/).waitFor();
  await page.locator('#start-recommend pre').waitFor();
  await page.getByLabel(/^Name/).fill('dash-run');
  await shot('start');
  await page.getByRole('button', { name: 'Start training' }).click();
  await page.waitForURL(/#job\/job-1$/);

  step('the loss curve gains points while the job runs');
  const loss = page.locator('figure[data-chart="Loss"]');
  const points = async () => Number(await loss.getAttribute('data-points'));
  await page.waitForFunction(() => Number(document.querySelector('figure[data-chart="Loss"]')?.dataset.points) >= 3);
  const early = await points();
  await page.waitForFunction((n) => Number(document.querySelector('figure[data-chart="Loss"]').dataset.points) > n, early);
  assert.equal(await page.locator('#job-summary').getAttribute('data-status'), 'running');
  for (const title of ['Learning rate', 'Gradient norm', 'Tokens/s'])
    assert.ok(await page.locator(`figure[data-chart="${title}"]`).count(), title);
  await shot('job-running');

  step('cancel it: it checkpoints and stops');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForFunction(() => document.querySelector('#job-summary').dataset.status === 'cancelled');
  const stopped = await points();
  assert.ok(stopped < 120, `the run ended before it was cancelled (${stopped} points)`);
  await page.locator('#job-checkpoints li', { hasText: 'checkpoint-' }).first().waitFor();
  assert.ok(await page.getByRole('button', { name: 'Resume' }).isEnabled());

  step('resume it; it completes with every step on the curve');
  await page.getByRole('button', { name: 'Resume' }).click();
  await page.waitForFunction(() => document.querySelector('#job-summary').dataset.status === 'completed', null,
                             { timeout: 300000 });
  await page.waitForFunction(() => Number(document.querySelector('figure[data-chart="Loss"]').dataset.points) >= 120);
  assert.match(await page.locator('#job-log').innerText(), /\S/);
  assert.match(await page.locator('#job-config').textContent(), /"max_steps": 240/);
  await shot('job-completed');

  step('the jobs table shows it with its sparkline');
  await nav('Jobs').click();
  const row = page.locator('#jobs-table tbody tr', { hasText: 'dash-run' });
  await row.getByText('completed').waitFor();
  await row.locator('svg.spark polyline').waitFor();
  await shot('jobs');

  step('models and adapters: load the run\'s adapter');
  await nav('Models & adapters').click();
  await page.locator('#models-table tbody tr', { hasText: 'demo-base' }).getByText(/^lora: .*iB/).waitFor();
  await page.getByRole('button', { name: 'load dash-run' }).click();
  await page.getByText(/Loaded dash-run on/).waitFor();
  await page.getByRole('button', { name: 'unload dash-run' }).waitFor();
  const adapterRow = page.locator('#adapters-table tbody tr', { hasText: 'dash-run' });
  await adapterRow.getByText('adapter_config.json').click();
  await adapterRow.locator('pre', { hasText: '"peft_type": "LORA"' }).waitFor();
  await page.getByRole('button', { name: 'merge dash-run' }).click();
  await page.getByText(/Merged into dash-run-merged/).waitFor();
  await page.locator('#models-table tbody tr', { hasText: 'dash-run-merged' }).getByText('workspace').waitFor();
  await shot('models');

  step('playground: the adapter streams an answer with a parsed tool call');
  await nav('Playground').click();
  await page.getByLabel('Base model', { exact: true }).selectOption('demo-base');
  await page.getByLabel('Adapter', { exact: true }).selectOption('dash-run');
  await page.getByLabel('Tool choice', { exact: true }).selectOption('required');
  await page.getByLabel('Max new tokens', { exact: true }).fill('96');
  await page.getByLabel('Message', { exact: true }).fill('What is the weather in Kigali?');
  await page.getByRole('button', { name: 'Send' }).click();
  const call = page.locator('.tool-call').first();
  await call.waitFor();
  const name = await call.getAttribute('data-tool');
  assert.ok(['get_weather', 'search_restaurants'].includes(name), name);
  assert.equal(typeof JSON.parse(await call.locator('pre').innerText()), 'object');
  // An answer that cannot fit the context is an error that says what to lower; the message stays to edit.
  await page.getByLabel('Max new tokens', { exact: true }).fill('4000');
  await page.getByLabel('Message', { exact: true }).fill('Too long an answer');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByRole('alert').filter({ hasText: /lower 'max_tokens' to at most \d+/ }).waitFor();
  assert.equal(await page.getByLabel('Message', { exact: true }).inputValue(), 'Too long an answer');
  assert.equal(await page.locator('#chat-log .msg.user', { hasText: 'Too long an answer' }).count(), 0);
  await page.getByLabel('Max new tokens', { exact: true }).fill('96');
  // Streamed: the answer's text grows over several chunks (counted as the page receives them).
  await page.getByLabel('Tool choice', { exact: true }).selectOption('none');
  await page.evaluate(() => {
    window.textUpdates = 0;
    new MutationObserver(() => { window.textUpdates++; }).observe(document.getElementById('chat-log'),
                                                                  { subtree: true, childList: true, characterData: true });
  });
  await page.getByLabel('Message', { exact: true }).fill('Remind me to call Ana at 5pm');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.getByText('Done.').waitFor();
  assert.ok(await page.evaluate(() => window.textUpdates) > 3, 'the answer arrived in one piece, not streamed');
  await shot('playground');

  step('serving: the model with its requests, KV cache and per-adapter counts');
  await nav('Serving').click();
  await page.locator('#serving-table tbody tr').first().waitFor();
  await page.locator('#serving-adapters tbody tr', { hasText: 'dash-run' }).waitFor();
  await shot('serving');

  step('every control has a label, and the keyboard reaches the sections');
  for (const hash of ['#jobs', '#start', '#models', '#playground', '#serving']) {
    await page.goto(`${url}/${hash}`);
    await page.waitForTimeout(300);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button')]
      .filter((c) => c.offsetParent !== null)
      .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !(c.tagName === 'BUTTON' && c.textContent.trim()))
      .map((c) => c.outerHTML.slice(0, 80)));
    assert.deepEqual(unlabelled, [], hash);
  }
  await page.goto(`${url}/#jobs`);
  const reached = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    reached.push(await page.evaluate(() => document.activeElement.textContent.trim()));
  }
  for (const section of ['Jobs', 'Start a run', 'Models & adapters', 'Playground', 'Serving'])
    assert.ok(reached.includes(section), `${section} is not reachable with Tab: ${reached}`);

  step('phone width');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${url}/#jobs`);
  await page.locator('#jobs-table tbody tr').first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
  await shot('jobs-phone');
  await page.goto(`${url}/#job/job-1`);
  await page.locator('figure[data-chart="Loss"]').waitFor();
  await shot('job-phone');

  assert.deepEqual(pageErrors, []);
  console.log(`dashboard: all passed; screenshots in ${shots}`);
} finally {
  await browser.close();
  server.kill('SIGINT');
  await new Promise((r) => server.on('exit', r));
  rmSync(home, { recursive: true, force: true });
}
