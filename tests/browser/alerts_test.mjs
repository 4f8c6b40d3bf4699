// Browser tests of the page's alerts (web/js/alerts.js) against a real actiscope-server whose
// detectors flag runs that actiscope-loadgen makes go wrong at known steps (see run.sh).
// Usage: node alerts_test.mjs BUILD_DIR
//   alerts-0   conv2_x collapses from step 100 (collapse), conv3_x has NaNs at step 200 only
//              (nonfinite, cleared at 201); conv1 is healthy.
//   healthy-0  nothing wrong.
//   kinds-0    activations, gradients and weights; conv3_x has NaNs at step 150 in each kind.
//   live-alerts-0 (started by its test) grows live and collapses while the page watches.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchChromium, startServer, loadgen, test, runTests, assert, waitUntil, sleep, newPage, closePage,
         waitForDraw } from './harness.mjs';

const build = process.argv[2];
if (!build) {
  console.error('usage: node alerts_test.mjs BUILD_DIR');
  process.exit(2);
}
const screenshots = join(build, 'screenshots');
mkdirSync(screenshots, { recursive: true });

const server = await startServer(build);
let browser = null;
let failed = 1;
try {
  const run = (prefix, ...args) => loadgen(build, server, ['--clients=1', '--layers=3', '--steps=300', '--bins=40',
                                                           '--pattern=healthy', `--run_prefix=${prefix}`, ...args]);
  await run('alerts', '--collapse_at=100', '--nonfinite_at=200');
  await run('healthy');
  await run('kinds', '--nonfinite_at=150', '--kinds=activation,gradient,weight');
  browser = await launchChromium();
  defineTests();
  failed = await runTests();
} finally {
  if (browser) await browser.close();
  await server.stop();
}
process.exit(failed ? 1 : 0);

async function api(path) {
  return (await fetch(`${server.url}${path}`)).json();
}

// The alert markers on the page with where they sit (the centre of each, in page pixels) and
// the step axis of the heatmap each is on (heatmap.js's LAYOUT: the plot starts 64 px in). One
// synchronous look (page.evaluate, not $$eval), so that no marker is replaced halfway.
function markers(page) {
  return page.evaluate(() => [...document.querySelectorAll('.alert-marker')].map((m) => {
    const r = m.getBoundingClientRect();
    const canvas = m.parentElement.querySelector('canvas.heatmap');
    const c = canvas.getBoundingClientRect();
    const s = canvas.heatmapState;
    return { ...m.dataset, title: m.title, x: r.x + r.width / 2, top: r.y, canvasLayer: canvas.dataset.layer,
             canvasX: c.x, canvasY: c.y, from: s.from, to: s.to, plotWidth: s.plotWidth };
  }));
}

// Waits for `count` markers; returns them.
async function waitForMarkers(page, count) {
  let last = [];
  try {
    return await waitUntil(`${count} alert markers`, async () => {
      last = await markers(page);
      return last.length === count ? last : null;
    }, 10000);
  } catch (e) {
    throw new Error(`${e.message}; have ${JSON.stringify(last.map((m) => `${m.type}@${m.layer}:${m.step}`))}`);
  }
}

// Checks that `marker` sits at its step on its heatmap's step axis: where the axis puts the
// step's tick (within 1.5 px), and (unless `hover` is false, for a heatmap that keeps moving)
// between the columns the heatmap's own hover reports on either side of it.
async function checkOnAxis(page, marker, hover = true) {
  const step = Number(marker.step);
  const span = marker.to - marker.from + 1;
  const want = marker.canvasX + 64 + ((step - marker.from + 0.5) / span) * marker.plotWidth;
  assert(Math.abs(marker.x - want) <= 1.5, `marker of step ${step} at x ${marker.x.toFixed(1)}, axis says ${want.toFixed(1)}`);
  assert(Math.abs(marker.top - (marker.canvasY + 6)) <= 1, 'marker starts at the top of the plot');
  if (!hover) return;
  const tipAt = async (dx) => {
    await page.mouse.move(marker.x + dx, marker.canvasY + 60);
    return waitUntil('the tooltip', () => page.$eval('#tooltip', (t) => (t.hidden ? null : { ...t.dataset })));
  };
  const pxPerStep = marker.plotWidth / span;
  const dx = Math.max(7, 1.5 * pxPerStep);
  const left = await tipAt(-dx);
  const right = await tipAt(dx);
  assert(left.layer === marker.layer && Number(left.stepTo) < step, `left of the marker: steps ${left.stepFrom}-${left.stepTo} < ${step}`);
  assert(Number(right.stepFrom) > step, `right of the marker: steps ${right.stepFrom}-${right.stepTo} > ${step}`);
  await page.mouse.move(0, 0);
}

function defineTests() {
  test('runs table badges the alert count of a run with alerts, none for a healthy run', async () => {
    const runs = await api('/api/runs');
    const count = (id) => runs.find((r) => r.id === id).alerts;
    assert(count('alerts-0') === 2 && count('healthy-0') === 0 && count('kinds-0') === 3,
           `the server counts 2, 0 and 3 alerts: ${runs.map((r) => `${r.id}=${r.alerts}`)}`);
    const page = await newPage(browser);
    await page.goto(`${server.url}/`);
    await page.waitForSelector('tr.run-row[data-run-id="healthy-0"]');
    const badge = (id) => page.$eval(`tr.run-row[data-run-id="${id}"] td.alerts`, (td) => {
      const b = td.querySelector('.alert-badge');
      return b ? { count: b.dataset.count, text: b.textContent, title: b.title, href: b.getAttribute('href'),
                   colour: getComputedStyle(b).backgroundColor } : null;
    });
    const alerting = await badge('alerts-0');
    assert(alerting && alerting.count === '2' && alerting.text === '2' && alerting.title === '2 alerts',
           `alerts-0 has a badge "2" titled "2 alerts": ${JSON.stringify(alerting)}`);
    assert(!['rgba(0, 0, 0, 0)', 'transparent'].includes(alerting.colour), `the badge is coloured: ${alerting.colour}`);
    const kinds = await badge('kinds-0');
    assert(kinds && kinds.count === '3' && kinds.title === '3 alerts', `kinds-0 badge: ${JSON.stringify(kinds)}`);
    assert(await badge('healthy-0') === null, 'no badge for the healthy run');
    assert(await page.$eval('tr.run-row[data-run-id="healthy-0"] td.alerts', (td) => td.textContent) === '',
           'the healthy run\'s alerts cell is empty');
    await page.click('tr.run-row[data-run-id="alerts-0"] td.name a');
    await page.waitForSelector('h1.run-name');
    assert(page.url().endsWith('/runs/alerts-0'), `the run's name still opens it: ${page.url()}`);
    await page.goBack();
    await page.click('tr.run-row[data-run-id="alerts-0"] .alert-badge');
    await page.waitForSelector('h1.run-name');
    assert(page.url().endsWith('/runs/alerts-0'), `the badge opens the run: ${page.url()}`);
    await closePage(page);
  });

  test('run page lists the alerts above the heatmaps: severity, type, layer, steps, message', async () => {
    const { alerts } = await api('/api/runs/alerts-0/alerts');
    const page = await newPage(browser);
    const asked = [];
    page.on('request', (r) => { if (r.url().endsWith('/alerts')) asked.push(r.url()); });
    await page.goto(`${server.url}/runs/alerts-0`);
    await waitForDraw(page);
    const items = await waitUntil('two alerts listed', async () => {
      const got = await page.$$eval('.alert-item', (lis) => lis.map((li) => ({ ...li.dataset, text: li.textContent,
        severityText: li.querySelector('.severity').textContent })));
      return got.length === 2 ? got : null;
    });
    const [collapse, nonfinite] = items;
    assert(collapse.type === 'collapse' && collapse.layer === 'conv2_x' && collapse.step === '100' &&
           collapse.kind === 'activation' && collapse.severity === 'warning' && collapse.cleared === 'false',
           `first the collapse of conv2_x at 100: ${JSON.stringify(collapse)}`);
    assert(nonfinite.type === 'nonfinite' && nonfinite.layer === 'conv3_x' && nonfinite.step === '200' &&
           nonfinite.severity === 'critical' && nonfinite.cleared === 'true',
           `then the NaNs of conv3_x at 200: ${JSON.stringify(nonfinite)}`);
    for (const [item, alert] of [[collapse, alerts[0]], [nonfinite, alerts[1]]]) {
      assert(item.severityText === alert.severity, `severity shown: ${item.severityText}`);
      for (const part of [alert.type, alert.layer, `from step ${alert.first_step}`, alert.message]) {
        assert(item.text.includes(part), `"${part}" in the alert's line: ${item.text}`);
      }
      assert(!item.text.includes('rank'), `no rank for a one-rank run: ${item.text}`);
    }
    assert(nonfinite.text.includes('cleared at step 201'), `the cleared step: ${nonfinite.text}`);
    assert(!collapse.text.includes('cleared'), `the collapse is not cleared: ${collapse.text}`);
    const layout = await page.evaluate(() => ({
      list: document.querySelector('.alerts-panel').getBoundingClientRect().bottom,
      heatmap: document.querySelector('canvas.heatmap').getBoundingClientRect().top,
    }));
    assert(layout.list <= layout.heatmap, `the list (bottom ${layout.list}) is above the heatmaps (top ${layout.heatmap})`);
    const bottom = await page.$eval('.stack', (stack) => stack.getBoundingClientRect().bottom);
    await page.screenshot({ path: join(screenshots, 'alerts.png'), clip: { x: 0, y: 0, width: 1400, height: bottom + 8 } });
    await sleep(500);
    assert(asked.length === 1, `a finished run's alerts are asked for once, not polled: ${asked.length}`);
    await closePage(page);
  });

  test('a marker sits at each alert\'s first step on its layer\'s heatmap, none on healthy layers', async () => {
    const { alerts } = await api('/api/runs/alerts-0/alerts');
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/alerts-0`);
    await waitForDraw(page);
    const found = await waitForMarkers(page, 2);
    const collapse = found.find((m) => m.type === 'collapse');
    const nonfinite = found.find((m) => m.type === 'nonfinite');
    assert(collapse && collapse.canvasLayer === 'conv2_x' && collapse.layer === 'conv2_x' && collapse.step === '100',
           `collapse marker on conv2_x at 100: ${JSON.stringify(collapse)}`);
    assert(nonfinite && nonfinite.canvasLayer === 'conv3_x' && nonfinite.step === '200',
           `nonfinite marker on conv3_x at 200: ${JSON.stringify(nonfinite)}`);
    assert(!found.some((m) => m.canvasLayer === 'conv1'), 'no marker on the healthy conv1');
    assert(collapse.title.includes(alerts[0].message) && collapse.title.includes('collapse'),
           `the marker's title holds the message: ${collapse.title}`);
    assert(nonfinite.title.includes(alerts[1].message), `nonfinite title: ${nonfinite.title}`);
    await checkOnAxis(page, collapse);
    await checkOnAxis(page, nonfinite);
    await closePage(page);
  });

  test('markers follow the zoom and hide outside it', async () => {
    const page = await newPage(browser);
    await page.goto(`${server.url}/runs/alerts-0?from=50&to=149`);
    await waitForDraw(page);
    let found = await waitForMarkers(page, 1);
    assert(found[0].type === 'collapse' && found[0].from === 50 && found[0].to === 149,
           `zoomed to 50-149 only the collapse at 100 shows: ${JSON.stringify(found[0])}`);
    await checkOnAxis(page, found[0]);
    await page.goto(`${server.url}/runs/alerts-0?from=150&to=299`);
    await waitForDraw(page);
    found = await waitForMarkers(page, 1);
    assert(found[0].type === 'nonfinite' && found[0].from === 150, `zoomed to 150-299 only step 200: ${JSON.stringify(found[0])}`);
    await checkOnAxis(page, found[0]);
    await page.click('button.reset-zoom');
    await waitForMarkers(page, 2);
    await closePage(page);
  });

  test('markers show the kind shown; clicking an alert shows its kind and scrolls to its layer', async () => {
    const page = await newPage(browser, { width: 1400, height: 600 });
    await page.goto(`${server.url}/runs/kinds-0`);
    await waitForDraw(page);
    let found = await waitForMarkers(page, 1);
    assert(found[0].kind === 'activation' && found[0].canvasLayer === 'conv3_x' && found[0].step === '150',
           `one marker, for the activations shown: ${JSON.stringify(found[0])}`);
    assert(await page.$$eval('.alert-item', (lis) => lis.length) === 3, 'the list has all three kinds\' alerts');
    const inView = () => page.$eval('canvas.heatmap[data-layer="conv3_x"]', (c) => {
      const r = c.getBoundingClientRect();
      return r.top >= 0 && r.bottom <= window.innerHeight;
    });
    assert(!(await inView()), 'conv3_x starts below the fold (the test needs it to scroll)');
    await page.click('.alert-item[data-kind="gradient"]');
    await waitUntil('conv3_x scrolled into view', inView);
    await waitUntil('gradient heatmaps', () => page.$eval('canvas.heatmap', (c) => c.dataset.query.includes('kind=gradient')));
    assert(page.url().includes('kind=gradient'), `the URL keeps the kind: ${page.url()}`);
    assert(await page.$eval('select.kind-select', (s) => s.value) === 'gradient', 'the kind select follows');
    found = await waitUntil('the gradient marker', async () => {
      const m = await markers(page);
      return m.length === 1 && m[0].kind === 'gradient' ? m : null;
    });
    assert(found[0].canvasLayer === 'conv3_x', `gradient marker on conv3_x: ${JSON.stringify(found[0])}`);
    assert(await page.$eval('canvas.heatmap[data-layer="conv3_x"]', (c) => c.closest('.heatmap-row').classList.contains('focused')),
           'the layer\'s row is highlighted');
    await closePage(page);
  });

  test('a healthy run shows no alert list and no markers', async () => {
    const page = await newPage(browser);
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/runs/healthy-0/alerts'));
    await page.goto(`${server.url}/runs/healthy-0`);
    await waitForDraw(page);
    await answered;
    await sleep(100);
    assert(await page.$eval('.alerts-panel', (p) => p.hidden), 'the alert list is hidden');
    assert((await markers(page)).length === 0, 'no markers');
    await closePage(page);
  });

  test('a live run\'s new alert appears in the list and on its heatmap without reloading', async () => {
    // 40 steps/s; conv2_x collapses at step 100 and the server raises it 20 frames later (~3 s).
    const live = loadgen(build, server, ['--clients=1', '--layers=3', '--steps=1000000', '--bins=40',
                                         '--run_prefix=live-alerts', '--pattern=healthy', '--live_rate=40',
                                         '--collapse_at=100'], true);
    const page = await newPage(browser);
    try {
      await waitUntil('the live run', async () => (await fetch(`${server.url}/api/runs/live-alerts-0`)).ok);
      const asked = [];
      page.on('request', (r) => { if (r.url().endsWith('/alerts')) asked.push(Date.now()); });
      await page.goto(`${server.url}/runs/live-alerts-0`);
      await waitForDraw(page);
      const t0 = Date.now();
      const before = await api('/api/runs/live-alerts-0');
      assert(before.alerts === 0 && await page.$$eval('.alert-item', (lis) => lis.length) === 0,
             `no alert yet at step ${before.last_step}`);
      const found = await waitUntil('the live collapse marker', async () => {
        const m = await markers(page);
        return m.length === 1 ? m : null;
      }, 15000);
      const seconds = (Date.now() - t0) / 1000;
      assert(found[0].type === 'collapse' && found[0].canvasLayer === 'conv2_x' && found[0].step === '100',
             `collapse marker on conv2_x at 100: ${JSON.stringify(found[0])}`);
      assert(await page.$$eval('.alert-item', (lis) => lis.map((li) => li.dataset.type).join()) === 'collapse',
             'the list shows it');
      await checkOnAxis(page, found[0], false);
      // At most one request per event (events come at most every 100 ms), not a tight loop.
      assert(asked.length <= 12 * (seconds + 1), `${asked.length} alert requests in ${seconds} s`);
    } finally {
      live.kill('SIGTERM');
    }
    await closePage(page);
  });
}
