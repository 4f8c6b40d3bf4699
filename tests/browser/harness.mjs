// Shared pieces of the browser tests: starting actiscope-server and actiscope-loadgen, a
// Chromium launcher, a tiny sequential test runner, polling without page-side eval (the
// page's Content-Security-Policy forbids eval, which page.waitForFunction needs), and pages
// that fail a test on any console error, plus waiting for the run page's heatmaps.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update',
  '--disable-sync'];

export function launchChromium() {
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls `check` (an async function) until it returns a truthy value or `timeoutMs` passes.
export async function waitUntil(what, check, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// Starts actiscope-server on ports it picks. With `secure`, it runs as on a network: tokens and
// TLS from deploy/make-credentials.sh (in server.credentials: ca.pem, read.token, ...), and
// its clients (loadgen) use them.
export async function startServer(build, { secure = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'actiscope-browser-'));
  const binary = join(build, 'server', 'actiscope-server');
  if (!existsSync(binary)) throw new Error(`missing ${binary}; build first`);
  const portFile = join(dir, 'ports');
  const args = ['--grpc_addr=127.0.0.1:0', '--http_addr=127.0.0.1:0',
    `--db=${join(dir, 'actiscope.db')}`, `--port_file=${portFile}`];
  const credentials = join(dir, 'credentials');
  if (secure) {
    execFileSync(join(REPO, 'deploy', 'make-credentials.sh'), [credentials, '127.0.0.1', 'localhost'],
                 { stdio: 'ignore' });
    args.push(`--auth_tokens=${join(credentials, 'tokens')}`, `--tls_cert=${join(credentials, 'server.pem')}`,
              `--tls_key=${join(credentials, 'server.key')}`);
  }
  const proc = spawn(binary, args, { stdio: ['ignore', 'inherit', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const ports = await waitUntil('actiscope-server port file', async () => {
    if (proc.exitCode !== null) throw new Error(`actiscope-server exited: ${stderr}`);
    if (!existsSync(portFile)) return null;
    const text = readFileSync(portFile, 'utf8').trim().split(/\s+/);
    return text.length === 2 ? text.map(Number) : null;
  }, 20000);
  return {
    dir,
    grpcPort: ports[0],
    httpPort: ports[1],
    url: `${secure ? 'https' : 'http'}://127.0.0.1:${ports[1]}`,
    credentials: secure ? credentials : null,
    // How actiscope's clients reach it.
    clientArgs: secure
      ? [`--server=grpcs://127.0.0.1:${ports[0]}`, `--tls_ca=${join(credentials, 'ca.pem')}`,
        `--token_file=${join(credentials, 'ingest.token')}`]
      : [`--server=127.0.0.1:${ports[0]}`],
    stop: () => new Promise((resolve) => {
      if (proc.exitCode !== null) return resolve();
      proc.on('exit', resolve);
      proc.kill('SIGTERM');
    }),
  };
}

// Runs actiscope-loadgen to completion (or, with `background`, returns its process).
export function loadgen(build, server, args, background = false) {
  const binary = join(build, 'tests', 'loadgen', 'actiscope-loadgen');
  const proc = spawn(binary, [...server.clientArgs, ...args],
                     { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  if (background) return proc;
  return new Promise((resolve, reject) => {
    proc.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`loadgen ${args.join(' ')} failed (${code}): ${output}`))));
  });
}

const tests = [];
// Browser contexts of newPage that their test has not closed (it failed first): runTests closes
// them after the test, so that their connections do not count against the server's
// per-address limit in the tests after it.
const openContexts = new Set();

export function test(name, fn) {
  tests.push({ name, fn });
}

export async function runTests() {
  let failed = 0;
  for (const t of tests) {
    const start = Date.now();
    try {
      await t.fn();
      console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}: ${e.stack || e}`);
    }
    for (const context of openContexts) await context.close().catch(() => {});
    openContexts.clear();
  }
  console.log(`${tests.length - failed}/${tests.length} browser tests passed`);
  return failed;
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

// A page that records console errors, page errors and dialogs (none may happen; closePage
// checks). `viewport` defaults to 1400 x 1000 CSS pixels.
export async function newPage(browser, viewport = { width: 1400, height: 1000 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  openContexts.add(context);
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { page.problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  return page;
}

export async function closePage(page) {
  const problems = page.problems;
  openContexts.delete(page.context());
  await page.context().close();
  assert(problems.length === 0, `no console errors, page errors or dialogs; got ${JSON.stringify(problems)}`);
}

// The step range every heatmap of the page shows ({from, to}), or null while one is not drawn
// or they differ (the page draws them all in one go, from canvas.heatmapState).
export function drawnRange(page) {
  return page.evaluate(() => {
    const states = [...document.querySelectorAll('canvas.heatmap')].map((c) => c.heatmapState);
    if (states.length === 0 || states.some((s) => !s)) return null;
    const { from, to } = states[0];
    return states.every((s) => s.from === from && s.to === to) ? { from, to } : null;
  });
}

// Waits for the run page's first full draw; returns the step range drawn. A timeout names what
// the page said instead (its error notes, console errors).
export async function waitForDraw(page) {
  try {
    return await waitUntil('the heatmaps to be drawn', () => drawnRange(page), 20000);
  } catch (e) {
    const notes = await page.$$eval('.error-note, .message', (ps) => ps.map((p) => p.textContent)).catch(() => []);
    throw new Error(`${e.message}; the page says ${JSON.stringify(notes)}, problems ${JSON.stringify(page.problems)}`);
  }
}
