// Shared pieces of the browser tests: starting actiscope-server and actiscope-loadgen, a
// Chromium launcher, a tiny sequential test runner, and polling without page-side eval
// (the page's Content-Security-Policy forbids eval, which page.waitForFunction needs).
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
  }
  console.log(`${tests.length - failed}/${tests.length} browser tests passed`);
  return failed;
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
