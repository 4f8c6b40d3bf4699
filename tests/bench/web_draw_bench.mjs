// web_draw_bench: how long the page's heatmap renderer (web/js/heatmap.js) takes to draw
// 8 layers x 10,000 steps x 40 bins in Chromium once the data has arrived (goal: <= 100 ms),
// next to a naive one-fillRect-per-cell renderer in the same run.
//
//   (cd tests/browser && npm ci)   # once; tests/browser/run.sh does it too
//   node tests/bench/web_draw_bench.mjs [--reps=15]
//
// The page's files are served to Chromium straight from web/ (page.route), so no server is
// needed. Data is synthetic (seeded), shaped like GET /api/runs/{id}/heatmap answers.
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..', '..', 'web');
let chromium;
try {
  ({ chromium } = await import(join(here, '..', 'browser', 'node_modules', 'playwright-core', 'index.mjs')));
} catch (e) {
  console.error('web_draw_bench: playwright-core is missing; run (cd tests/browser && npm ci) first');
  process.exit(2);
}
const reps = Number((process.argv.find((a) => a.startsWith('--reps=')) || '--reps=15').slice(7));
const ORIGIN = 'http://bench.actiscope';
const TYPES = { '.js': 'application/javascript', '.html': 'text/html', '.css': 'text/css' };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await page.route(`${ORIGIN}/**`, (route) => {
  const path = new URL(route.request().url()).pathname;
  if (path === '/bench.html') {
    return route.fulfill({ contentType: 'text/html', body: '<!doctype html><body><div id="tooltip"></div></body>' });
  }
  const file = normalize(join(web, path));
  if (!file.startsWith(web)) return route.fulfill({ status: 404, body: '' });
  const ext = path.slice(path.lastIndexOf('.'));
  return route.fulfill({ contentType: TYPES[ext] || 'application/octet-stream', body: readFileSync(file) });
});
await page.goto(`${ORIGIN}/bench.html`);

const result = await page.evaluate(async ({ reps }) => {
  const { drawHeatmap } = await import('/js/heatmap.js');
  const LAYERS = 8;
  const STEPS = 10000;
  const BINS = 40;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  // Per layer: a Gaussian-ish histogram whose centre and width drift over the steps.
  const payloads = [];
  for (let l = 0; l < LAYERS; l++) {
    const counts = new Array(STEPS * BINS);
    for (let s = 0; s < STEPS; s++) {
      const centre = BINS * (0.3 + 0.4 * Math.sin((s / STEPS) * Math.PI * (l + 1) / 4) ** 2);
      const width = 2 + 6 * (1 - s / STEPS) + l;
      for (let b = 0; b < BINS; b++) {
        counts[s * BINS + b] = Math.round(20000 * Math.exp(-((b - centre) ** 2) / (2 * width * width)) * (0.9 + 0.2 * rand()));
      }
    }
    const steps = Array.from({ length: STEPS }, (_, i) => i);
    const zeros = new Array(STEPS).fill(0);
    payloads.push(JSON.stringify({
      layer: `layer_${l}`, kind: 'activation', rank: 'merged', scale: 'linear', bins: BINS,
      bin_edges: Array.from({ length: BINS + 1 }, (_, i) => -4 + (8 * i) / BINS),
      step_from: steps, step_to: steps, counts, below: zeros, above: zeros, zeros, nonfinite: zeros,
      elements: zeros.map(() => 400000), sum: zeros, sum_squares: zeros, min: zeros, max: zeros,
    }));
  }
  const canvases = Array.from({ length: LAYERS }, () => document.body.appendChild(document.createElement('canvas')));
  const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const time = (fn) => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  let data = null;
  const parse = [];
  for (let r = 0; r < reps; r++) parse.push(time(() => { data = payloads.map((p) => JSON.parse(p)); }));
  const drawAt = (width) => {
    const ms = [];
    for (let r = 0; r < reps; r++) {
      ms.push(time(() => data.forEach((hm, i) => drawHeatmap(canvases[i], hm, 0, STEPS - 1, width))));
    }
    return median(ms);
  };
  // What the page really receives: the server sums the 10,000 steps into one column per
  // plot pixel (columns=1260), so data arrival is parsing that and drawing it.
  const COLUMNS = 1260;
  const full10k = data;
  const aggregated = full10k.map((hm) => {
    const out = { ...hm, step_from: [], step_to: [], counts: new Array(COLUMNS * BINS).fill(0) };
    for (let c = 0; c < COLUMNS; c++) {
      const a = Math.floor((c * STEPS) / COLUMNS);
      const b = Math.floor(((c + 1) * STEPS) / COLUMNS) - 1;
      out.step_from.push(a);
      out.step_to.push(b);
      for (let s = a; s <= b; s++) for (let k = 0; k < BINS; k++) out.counts[c * BINS + k] += hm.counts[s * BINS + k];
    }
    for (const key of ['below', 'above', 'zeros', 'nonfinite', 'elements', 'sum', 'sum_squares', 'min', 'max']) {
      out[key] = out.step_from.map(() => 0);
    }
    return JSON.stringify(out);
  });
  const arrival = [];
  for (let r = 0; r < reps; r++) {
    arrival.push(time(() => aggregated.map((p) => JSON.parse(p)).forEach((hm, i) => drawHeatmap(canvases[i], hm, 0, STEPS - 1, 1400))));
  }
  const arrivalBytes = aggregated.reduce((n, p) => n + p.length, 0);
  const page = drawAt(1400);
  const full = drawAt(STEPS + 64 + 76);
  // Naive: one fillRect per (step, bin) cell, the same log1p viridis colours.
  const naive = time(() => data.forEach((hm, i) => {
    const c = canvases[i];
    c.width = 1260;
    c.height = 120;
    const ctx = c.getContext('2d');
    let max = 0;
    for (const v of hm.counts) if (v > max) max = v;
    const w = 1260 / STEPS;
    const h = 120 / BINS;
    for (let s = 0; s < STEPS; s++) {
      for (let b = 0; b < BINS; b++) {
        const t = Math.log1p(hm.counts[s * BINS + b]) / Math.log1p(max);
        ctx.fillStyle = `rgb(${(t * 253) | 0},${(t * 231) | 0},${(37 + t * 100) | 0})`;
        ctx.fillRect(s * w, 120 - (b + 1) * h, w, h);
      }
    }
    ctx.getImageData(0, 0, 1, 1);  // Forces the queued drawing to finish.
  }));
  canvases.forEach((c) => c.getContext('2d').getImageData(0, 0, 1, 1));
  const bytes = payloads.reduce((n, p) => n + p.length, 0);
  return { parse: median(parse), page, full, naive, bytes, arrival: median(arrival), arrivalBytes, ua: navigator.userAgent };
}, { reps });
await browser.close();

const version = /HeadlessChrome\/(\S+)/.exec(result.ua);
console.log(`web_draw_bench: 8 layers x 10000 steps x 40 bins, Chromium ${version ? version[1] : '?'} headless, ` +
            `software rendering, median of ${reps}`);
console.log(`  as the page gets it (columns=1260, ${(result.arrivalBytes / 1e6).toFixed(1)} MB): parse + draw ${result.arrival.toFixed(1)} ms   (goal <= 100 ms)`);
console.log(`  JSON.parse of the 8 full-resolution payloads (${(result.bytes / 1e6).toFixed(1)} MB):  ${result.parse.toFixed(1)} ms`);
console.log(`  draw all 10000 steps into 1260-px plots (ImageData): ${result.page.toFixed(1)} ms   (goal <= 100 ms)`);
console.log(`  draw, one pixel per step (10000-px plots):         ${result.full.toFixed(1)} ms`);
console.log(`  naive fillRect per cell (1 run):                    ${result.naive.toFixed(1)} ms`);
console.log(`  ratio naive / ImageData at page width:              ${(result.naive / result.page).toFixed(1)}x`);
