// Browser test of the page on a collector set up for a network (see run.sh): HTTPS and tokens
// from deploy/make-credentials.sh. A visitor without a session lands on the login page, a wrong
// or ingest-only token is refused there with the server's message, a read token opens the page
// and its heatmaps, the session cookie is HttpOnly, Secure and SameSite=Strict, and logging out
// sends the visitor back to the login page. Usage: node login_test.mjs BUILD_DIR
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { launchChromium, startServer, loadgen, test, runTests, assert, waitUntil } from './harness.mjs';

const build = process.argv[2];
if (!build) {
  console.error('usage: node login_test.mjs BUILD_DIR');
  process.exit(2);
}

const server = await startServer(build, { secure: true });
const token = (name) => readFileSync(join(server.credentials, `${name}.token`), 'utf8').trim();
let browser = null;
let failed = 1;
try {
  await loadgen(build, server, ['--clients=1', '--layers=3', '--steps=300', '--bins=40', '--run_prefix=secure']);
  browser = await launchChromium();
  defineTests();
  failed = await runTests();
} finally {
  if (browser) await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);

// GET over HTTPS trusting the test CA: {status, body}.
function httpsGet(path, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = https.get(`${server.url}${path}`, { ca: readFileSync(join(server.credentials, 'ca.pem')), headers },
      (res) => {
        let body = '';
        res.on('data', (d) => { body += d; });
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
    req.on('error', reject);
  });
}

// The certificate is signed by the test's own CA, which this Chromium does not know.
async function newPage() {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => { page.problems.push(`dialog: ${d.message()}`); d.dismiss(); });
  return page;
}

async function submitToken(page, value) {
  await page.fill('#token', value);
  await page.click('button[type=submit]');
}

async function errorText(page) {
  return waitUntil('the login error', async () => {
    const shown = await page.evaluate(() => {
      const e = document.getElementById('login-error');
      return e && !e.hidden ? e.textContent : '';
    });
    return shown || null;
  });
}

function defineTests() {
  test('the API answers 401 without a token and 200 with the read token, over HTTPS only', async () => {
    const none = await httpsGet('/api/runs');
    assert(none.status === 401, `no token -> ${none.status}`);
    assert(JSON.parse(none.body).error.includes('log in at /login'), none.body);
    const ingest = await httpsGet('/api/runs', { Authorization: `Bearer ${token('ingest')}` });
    assert(ingest.status === 403, `ingest token -> ${ingest.status}`);
    const read = await httpsGet('/api/runs', { Authorization: `Bearer ${token('read')}` });
    assert(read.status === 200 && read.body.includes('secure-0'), `read token -> ${read.status} ${read.body}`);
  });

  test('a visitor logs in with a read token and sees the heatmaps; the cookie is HttpOnly, Secure, Strict', async () => {
    const page = await newPage();
    await page.goto(`${server.url}/runs/secure-0`);
    const login = new URL(page.url());
    assert(login.pathname === '/login' && login.searchParams.get('next') === '/runs/secure-0',
           `sent to the login page, got ${page.url()}`);

    await submitToken(page, 'not-a-token-0123456789');
    assert((await errorText(page)).includes('unknown token'), 'an unknown token is refused with a message');
    await page.evaluate(() => { document.getElementById('login-error').hidden = true; });
    await submitToken(page, token('ingest'));
    assert((await errorText(page)).includes('role ingest'), 'an ingest token is refused, naming its role');

    await submitToken(page, token('read'));
    await waitUntil('the run page', async () => new URL(page.url()).pathname === '/runs/secure-0');
    const drawn = await waitUntil('three heatmaps drawn', async () => page.evaluate(() => {
      const canvases = [...document.querySelectorAll('canvas.heatmap')];
      return canvases.length === 3 && canvases.every((c) => c.heatmapState) ? canvases.length : null;
    }), 20000);
    assert(drawn === 3, 'every layer drawn');
    const colours = await page.evaluate(() => {
      const c = document.querySelector('canvas.heatmap');
      const d = c.getContext('2d').getImageData(64, 6, Math.floor(c.heatmapState.plotWidth), 120).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return seen.size;
    });
    assert(colours > 5, `the heatmap has data (${colours} colours)`);

    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'actiscope_session');
    assert(session, `a session cookie: ${JSON.stringify(cookies)}`);
    assert(session.httpOnly && session.secure && session.sameSite === 'Strict',
           `cookie attributes: ${JSON.stringify(session)}`);
    assert(!session.value.includes(token('read')), 'the cookie is not the token');
    assert((await page.evaluate(() => document.cookie)) === '', 'scripts cannot read the cookie');

    const out = await page.evaluate(async () => (await fetch('/logout', { method: 'POST' })).status);
    assert(out === 200, `logout -> ${out}`);
    await page.goto(`${server.url}/`);
    assert(new URL(page.url()).pathname === '/login', `after logout the page asks to log in again: ${page.url()}`);
    assert(page.problems.length === 0, JSON.stringify(page.problems));
    await page.context().close();
  });
}
