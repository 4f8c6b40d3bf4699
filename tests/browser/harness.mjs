// Shared pieces of the browser tests: starting actiscope-server and actiscope-loadgen, a
// Chromium launcher, a tiny sequential test runner, and polling without page-side eval
// (the page's Content-Security-Policy forbids eval, which page.waitForFunction needs).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

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

export async function startServer(build) {
  const dir = mkdtempSync(join(tmpdir(), 'actiscope-browser-'));
  const binary = join(build, 'server', 'actiscope-server');
  if (!existsSync(binary)) throw new Error(`missing ${binary}; build first`);
  const portFile = join(dir, 'ports');
  const proc = spawn(binary, ['--grpc_addr=127.0.0.1:0', '--http_addr=127.0.0.1:0',
    `--db=${join(dir, 'actiscope.db')}`, `--port_file=${portFile}`], { stdio: ['ignore', 'inherit', 'pipe'] });
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
    url: `http://127.0.0.1:${ports[1]}`,
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
  const proc = spawn(binary, [`--server=127.0.0.1:${server.grpcPort}`, ...args],
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
