// Browser tests of actiscope's web page against a real actiscope-server filled by
// actiscope-loadgen (see run.sh). Usage: node web_test.mjs BUILD_DIR
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { launchChromium, startServer, loadgen, test, runTests, assert, waitUntil, newPage, closePage, drawnRange,
         waitForDraw } from './harness.mjs';

const build = process.argv[2];
if (!build) {
  console.error('usage: node web_test.mjs BUILD_DIR');
  process.exit(2);
}
const screenshots = join(build, 'screenshots');
mkdirSync(screenshots, { recursive: true });

const XSS = '<img src=x onerror=alert(1)>';
const server = await startServer(build);
let live = null;
let browser = null;
let failed = 1;
try {
  await loadgen(build, server, ['--clients=2', '--layers=5', '--steps=2000', '--bins=40', '--run_prefix=load']);
  await loadgen(build, server, ['--clients=1', '--layers=3', '--steps=200', '--bins=40', '--run_prefix=kinds',
                                '--kinds=activation,gradient,weight']);
  await loadgen(build, server, ['--clients=1', '--layers=2', '--steps=50', '--bins=40', '--run_prefix=xss-probe',
                                `--run_name=${XSS}`, `--layer_names=conv1,${XSS}`]);
  live = loadgen(build, server, ['--clients=1', '--layers=3', '--steps=1000000', '--bins=40',
                                 '--run_prefix=live', '--live_rate=20'], true);
  browser = await launchChromium();
  defineTests(server, browser);
  failed = await runTests();
} finally {
  if (live) live.kill('SIGTERM');
  if (browser) await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);

// Distinct colours inside each heatmap's plot area.
function distinctColours(page, selector) {
  return page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => {
    const state = c.heatmapState;
    const d = c.getContext('2d').getImageData(64, 6, Math.floor(state.plotWidth), 120).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    return seen.size;
  }), selector);
}

function rawGet(path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.httpPort, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function defineTests(server, browser) {
  test('runs page lists runs, shows names as text and has no console errors', async () => {
    const page = await newPage(browser);
    const res = await page.goto(`${server.url}/`);
    assert(res.headers()['content-security-policy'].includes("default-src 'self'"), 'CSP header on the page');
    await page.waitForSelector('tr.run-row');
    const names = await page.$$eval('tr.run-row td.name', (cells) => cells.map((c) => c.textContent));
    for (const name of ['load-0', 'load-1', 'kinds-0', XSS, 'live-0']) {
      assert(names.includes(name), `runs table lists ${name}; got ${JSON.stringify(names)}`);
    }
    assert(await page.$$eval('table.runs img', (imgs) => imgs.length) === 0, 'no <img> element from a run name');
    const loss = await page.$eval('tr.run-row[data-run-id="load-0"] td.last-loss', (td) => td.textContent);
    assert(loss !== '–' && Number.isFinite(Number(loss)), `last loss shown for load-0: ${loss}`);
    await page.fill('input.filter', 'load-');
    await waitUntil('the filter to apply', async () =>
      (await page.$$eval('tr.run-row', (rows) => rows.length)) === 2);
    await page.check('tr.run-row[data-run-id="load-0"] input');
    await page.check('tr.run-row[data-run-id="load-1"] input');
    await page.click('button.compare-button');
    await page.waitForSelector('section.run-column[data-run-id="load-1"]');
    assert(page.url().endsWith('/compare?runs=load-0,load-1'), `compare URL: ${page.url()}`);
    await closePage(page);
  });

  test('run page draws non-uniform heatmaps in layer order, and charts', async () => {
    const page = await newPage(browser);
    const t0 = Date.now();
    await page.goto(`${server.url}/runs/load-0`);
    const drawn = await waitForDraw(page);
    console.log(`     run page: 5 layers x 2000 steps drawn ${Date.now() - t0} ms after navigation`);
    assert(drawn.from === 0 && drawn.to === 1999, `whole run drawn: ${drawn.from}-${drawn.to}`);
    const layers = await page.$$eval('canvas.heatmap', (cs) => cs.map((c) => c.dataset.layer));
    assert(JSON.stringify(layers) === JSON.stringify(['conv1', 'conv2_x', 'conv3_x', 'conv4_x', 'conv5_x']), `layer order ${layers}`);
    const colours = await distinctColours(page, 'canvas.heatmap');
    assert(colours.every((n) => n > 20), `every heatmap shows many colours: ${colours}`);
    assert(await page.$$eval('canvas.chart', (cs) => cs.length) >= 4, 'loss and per-layer charts drawn');
    await page.screenshot({ path: join(screenshots, 'run_page.png'), fullPage: true });
    await closePage(page);
  });

  test('hover tooltip shows the step range, bin and count the API returns', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/load-0`);
    await waitForDraw(page);
    const canvas = await page.$('canvas.heatmap[data-layer="conv3_x"]');
    const box = await canvas.boundingBox();
    const info = await canvas.evaluate((c) => ({ query: c.dataset.query, plotWidth: c.heatmapState.plotWidth }));
    for (const [fx, fy] of [[0.5, 0.5], [0.1, 0.45], [0.9, 0.55]]) {
      await page.mouse.move(box.x + 64 + info.plotWidth * fx, box.y + 6 + 120 * fy);
      const tip = await waitUntil('the tooltip', () => page.$eval('#tooltip', (t) => (t.hidden ? null : { ...t.dataset, text: t.textContent })));
      const hm = await (await fetch(`${server.url}/api/runs/load-0/heatmap?${info.query}`)).json();
      const column = hm.step_from.indexOf(Number(tip.stepFrom));
      assert(column >= 0, `tooltip column ${tip.stepFrom} exists in the API heatmap`);
      assert(hm.step_to[column] === Number(tip.stepTo), `step_to ${tip.stepTo} matches`);
      const count = hm.counts[column * hm.bins + Number(tip.bin)];
      assert(count === Number(tip.count), `count ${tip.count} equals the API's ${count}`);
      assert(tip.text.includes(`count ${count}`) && tip.text.includes(`${tip.stepFrom}`), `tooltip text: ${tip.text}`);
    }
    await closePage(page);
  });

  test('drag zooms into a step range, re-queries finer, and reset zooms out', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/load-0`);
    await waitForDraw(page);
    const canvas = await page.$('canvas.heatmap[data-layer="conv1"]');
    const box = await canvas.boundingBox();
    const plotWidth = await canvas.evaluate((c) => c.heatmapState.plotWidth);
    await page.mouse.move(box.x + 64 + plotWidth * 0.25, box.y + 60);
    await page.mouse.down();
    await page.mouse.move(box.x + 64 + plotWidth * 0.30, box.y + 60, { steps: 5 });
    await page.mouse.up();
    const zoomed = await waitUntil('the zoomed draw', async () => {
      const range = await drawnRange(page);
      return range && range.from > 0 ? range : null;
    });
    assert(zoomed.from >= 450 && zoomed.from <= 550 && zoomed.to >= 550 && zoomed.to <= 650, `zoom range ${zoomed.from}-${zoomed.to}`);
    assert(page.url().includes(`from=${zoomed.from}`) && page.url().includes(`to=${zoomed.to}`), `URL keeps the zoom: ${page.url()}`);
    const steps = await canvas.evaluate((c) => c.heatmapState.hm.step_from.length);
    assert(steps === zoomed.to - zoomed.from + 1, `one column per step once zoomed in (${steps})`);
    await page.reload();
    const reloaded = await waitForDraw(page);
    assert(reloaded.from === zoomed.from && reloaded.to === zoomed.to, 'a reload keeps the zoom');
    await page.click('button.reset-zoom');
    await waitUntil('the reset draw', async () => {
      const range = await drawnRange(page);
      return range && range.from === 0 && range.to === 1999;
    });
    await closePage(page);
  });

  test('kind switch shows gradients and weights where the run has them', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/kinds-0`);
    await waitForDraw(page);
    const options = await page.$$eval('select.kind-select option', (os) => os.map((o) => o.value));
    assert(JSON.stringify(options) === '["activation","gradient","weight"]', `kinds ${options}`);
    await page.selectOption('select.kind-select', 'gradient');
    await waitUntil('gradient heatmaps', () => page.$eval('canvas.heatmap', (c) => c.dataset.query.includes('kind=gradient')));
    assert(page.url().includes('kind=gradient'), 'URL keeps the kind');
    const colours = await distinctColours(page, 'canvas.heatmap');
    assert(colours.every((n) => n > 5), `gradient heatmaps drawn: ${colours}`);
    await closePage(page);
  });

  test('a live run grows without reloading, within a second of a step arriving', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/live-0`);
    await waitForDraw(page);
    const first = Number(await page.$eval('canvas.heatmap', (c) => c.dataset.lastStep));
    const lags = [];
    for (let i = 0; i < 3; i++) {
      const run = await (await fetch(`${server.url}/api/runs/live-0`)).json();
      const t0 = Date.now();
      await waitUntil(`the page to show step ${run.last_step}`, async () =>
        Number(await page.$eval('canvas.heatmap', (c) => c.dataset.lastStep)) >= run.last_step, 5000);
      lags.push(Date.now() - t0);
    }
    const last = Number(await page.$eval('canvas.heatmap', (c) => c.dataset.lastStep));
    console.log(`     live: page caught up with the API's last step within ${lags.join(', ')} ms`);
    assert(last > first, `heatmap grew from step ${first} to ${last}`);
    assert(Math.max(...lags) < 1500, `live lag under a second (+ slack for this shared machine): ${lags}`);
    assert(await page.$eval('.run-meta .status', (s) => s.textContent) === 'live', 'status shows live');
    await closePage(page);
  });

  test('comparison shows both runs side by side on one step axis', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/compare?runs=load-0,load-1`);
    await waitForDraw(page);
    const names = await page.$$eval('h1.run-name', (hs) => hs.map((h) => h.textContent));
    assert(JSON.stringify(names) === '["load-0","load-1"]', `both runs shown: ${names}`);
    const columns = await page.$$eval('section.run-column', (cs) => cs.map((c) => c.getBoundingClientRect().x));
    assert(columns[1] > columns[0] + 300, 'side by side');
    const ranges = await page.$$eval('canvas.heatmap', (cs) => cs.map((c) => `${c.heatmapState.from}-${c.heatmapState.to}`));
    assert(ranges.length === 10 && new Set(ranges).size === 1, `one step axis: ${new Set(ranges).size} ranges`);
    const colours = await distinctColours(page, 'canvas.heatmap');
    assert(colours.every((n) => n > 20), `all ten heatmaps drawn: ${colours}`);
    await page.screenshot({ path: join(screenshots, 'compare.png'), fullPage: true });
    await closePage(page);
  });

  test('a run named like an XSS probe renders as text and runs no script', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/xss-probe-0`);
    await waitForDraw(page);
    const title = await page.$eval('h1.run-name', (h) => h.textContent);
    assert(title === XSS, `title shows the characters: ${title}`);
    const layers = await page.$$eval('.layer-name', (spans) => spans.map((s) => s.textContent));
    assert(layers.includes(XSS), `layer name shows the characters: ${layers}`);
    // Its last layer turns non-finite: the alert names the layer as text, and marks it.
    await waitUntil('the probe layer\'s alert marker', () => page.$$eval('.alert-marker', (ms) => ms.length === 1));
    const where = await page.$eval('.alert-item .alert-where', (s) => s.textContent);
    assert(where.startsWith(XSS), `the alert names the layer as text: ${where}`);
    const marked = await page.$eval('.alert-marker', (m) => m.parentElement.querySelector('canvas').dataset.layer);
    assert(marked === XSS, `the marker is on the probe layer: ${marked}`);
    assert(await page.$$eval('img', (imgs) => imgs.length) === 0, 'no <img> element');
    await closePage(page);  // Fails on any dialog.
  });

  test('export downloads PNGs of one heatmap and of the whole stack', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/load-0`);
    await waitForDraw(page);
    for (const selector of ['button.png', 'button.export-stack']) {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      const path = join(screenshots, download.suggestedFilename());
      await download.saveAs(path);
      const bytes = readFileSync(path);
      assert(download.suggestedFilename().endsWith('.png'), `file name ${download.suggestedFilename()}`);
      assert(bytes.subarray(1, 4).toString() === 'PNG' && bytes.length > 2000, `${selector} gives a PNG (${bytes.length} bytes)`);
    }
    await closePage(page);
  });

  test('path traversal gets 400/404 and never file content', async () => {
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
                        '/..%2f..%2f..%2fetc%2fpasswd', '/js/..%2f..%2f..%2fetc%2fpasswd',
                        '/%252e%252e/etc/passwd', '/..%5c..%5cetc%5cpasswd', '/js/%00', '/.%2e/.%2e/etc/passwd']) {
      const res = await rawGet(path);
      assert(res.status === 400 || res.status === 404, `${path} -> ${res.status}`);
      assert(!res.body.includes('root:'), `${path} leaks no file`);
      assert(res.headers['content-security-policy'], `${path} carries the CSP header`);
    }
  });

  test('the page asks within the API limits, and requests past them get 400', async () => {
    const limits = JSON.parse((await rawGet('/api/limits')).body);
    for (const value of [limits.runs.default_limit, limits.runs.max_limit, limits.heatmap.default_columns,
                         limits.heatmap.max_columns, limits.heatmap.max_cells, limits.scalars.default_points,
                         limits.scalars.max_points, limits.scalars.max_names]) {
      assert(Number.isInteger(value) && value > 0, `limits: ${JSON.stringify(limits)}`);
    }
    const page = await newPage(browser);
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/heatmap?')) asked.push(new URL(r.url())); });
    await page.goto(`${server.url}/runs/load-0`);
    await waitForDraw(page);
    assert(asked.length > 0, 'the page asked for heatmaps');
    for (const url of asked) {
      const columns = Number(url.searchParams.get('columns'));
      assert(columns >= 1 && columns <= limits.heatmap.max_columns, `columns=${columns} within the limit`);
    }
    await closePage(page);
    const over = await rawGet(`/api/runs/load-0/heatmap?layer=conv1&columns=${limits.heatmap.max_columns + 1}`);
    assert(over.status === 400, `columns over max_columns -> ${over.status}`);
    const atMax = await rawGet(`/api/runs/load-0/heatmap?layer=conv1&columns=${limits.heatmap.max_columns}`);
    assert(atMax.status === 200, `columns = max_columns -> ${atMax.status}`);
  });

  test('unknown API routes and bad parameters get 4xx JSON errors', async () => {
    for (const [path, status] of [['/api/nope', 404], ['/api/runs/nope', 404],
                                  ['/api/runs/load-0/heatmap?layer=conv1&from=abc', 400],
                                  ['/api/runs/load-0/heatmap?layer=conv1&from=5&to=2', 400],
                                  ['/api/runs/load-0/heatmap?layer=nope', 404]]) {
      const res = await rawGet(path);
      assert(res.status === status, `${path} -> ${res.status}, want ${status}`);
      assert(typeof JSON.parse(res.body).error === 'string', `${path} has a JSON error`);
    }
    assert((await rawGet('/healthz')).status === 200, 'server still healthy');
  });
}
