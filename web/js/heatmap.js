// One layer's heatmap on a <canvas>: x = step, y = bin (low values at the bottom), colour =
// log1p(count) in viridis, with step and bin-value ticks and a colour bar. Pixels are written
// into ImageData (one typed-array pass), not one DOM node or fillRect per cell.
//
// `hm` is the compact heatmap of GET /api/runs/{id}/heatmap (see web/README.md).

import { VIRIDIS_RGBA, viridisCss } from './viridis.js';
import { formatNumber, formatCount, niceTicks } from './format.js';

export const LAYOUT = { left: 64, right: 76, top: 6, bottom: 22, plotHeight: 120 };
const BACKGROUND = 0xff2a2a2a;  // ABGR: where no step has data.
const AXIS = '#9aa0a6';
const PAGE_BACKGROUND = '#16181d';
const FONT = '11px system-ui, sans-serif';

// Fills `pixels` (Uint32Array, w×h, row-major) with the heatmap of steps [from, to].
// Returns the largest count, which the colour scale tops out at.
export function renderPixels(pixels, w, h, hm, from, to) {
  const bins = hm.bins;
  const ncol = hm.step_from.length;
  const counts = hm.counts;
  let maxCount = 0;
  for (let i = 0; i < counts.length; i++) if (counts[i] > maxCount) maxCount = counts[i];
  const scale = maxCount > 0 ? 255 / Math.log1p(maxCount) : 0;
  const rowBin = new Int32Array(h);
  for (let y = 0; y < h; y++) rowBin[y] = bins - 1 - Math.floor((y * bins) / h);
  const colColour = new Uint32Array(bins);
  const acc = new Float64Array(bins);
  const span = to - from + 1;
  let c = 0;
  for (let x = 0; x < w; x++) {
    const lo = from + (x * span) / w;
    const hi = from + ((x + 1) * span) / w;
    while (c < ncol && hm.step_to[c] + 1 <= lo) c++;
    let n = 0;
    acc.fill(0);
    for (let k = c; k < ncol && hm.step_from[k] < hi; k++) {
      const base = k * bins;
      for (let b = 0; b < bins; b++) acc[b] += counts[base + b];
      n++;
    }
    if (n === 0) {
      for (let y = 0; y < h; y++) pixels[y * w + x] = BACKGROUND;
      continue;
    }
    for (let b = 0; b < bins; b++) {
      colColour[b] = VIRIDIS_RGBA[Math.min(255, (Math.log1p(acc[b] / n) * scale) | 0)];
    }
    for (let y = 0; y < h; y++) pixels[y * w + x] = colColour[rowBin[y]];
  }
  return maxCount;
}

// The index of the column holding `step`, or -1.
export function columnAt(hm, step) {
  let lo = 0;
  let hi = hm.step_from.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (hm.step_to[mid] < step) lo = mid + 1;
    else if (hm.step_from[mid] > step) hi = mid - 1;
    else return mid;
  }
  return -1;
}

// Draws `hm` over steps [from, to] into `canvas`, cssWidth CSS pixels wide. Remembers what
// it drew on canvas.heatmapState for hover and zoom.
export function drawHeatmap(canvas, hm, from, to, cssWidth) {
  const dpr = window.devicePixelRatio || 1;
  const { left, right, top, bottom, plotHeight } = LAYOUT;
  const cssHeight = top + plotHeight + bottom;
  const plotWidth = Math.max(10, cssWidth - left - right);
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(cssHeight * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = PAGE_BACKGROUND;  // Opaque, so an exported PNG reads on its own.
  ctx.fillRect(0, 0, canvas.width, canvas.height);

  const pw = Math.round(plotWidth * dpr);
  const ph = Math.round(plotHeight * dpr);
  let maxCount = 0;
  if (hm && hm.step_from.length > 0 && to >= from) {
    const image = ctx.createImageData(pw, ph);
    maxCount = renderPixels(new Uint32Array(image.data.buffer), pw, ph, hm, from, to);
    ctx.putImageData(image, Math.round(left * dpr), Math.round(top * dpr));
  }
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!hm || hm.step_from.length === 0) {
    ctx.fillStyle = '#2a2a2a';
    ctx.fillRect(left, top, plotWidth, plotHeight);
    ctx.fillStyle = AXIS;
    ctx.font = FONT;
    ctx.fillText('no data in this range', left + 8, top + plotHeight / 2);
  }
  drawAxes(ctx, hm, from, to, plotWidth);
  drawColourBar(ctx, maxCount, left + plotWidth + 8);
  canvas.heatmapState = { hm, from, to, plotWidth, maxCount };
}

// The left and bottom axis lines of a plot area; leaves the axis style set for tick labels.
export function drawPlotFrame(ctx, left, top, plotWidth, plotHeight) {
  ctx.strokeStyle = AXIS;
  ctx.fillStyle = AXIS;
  ctx.font = FONT;
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(left - 0.5, top);
  ctx.lineTo(left - 0.5, top + plotHeight + 0.5);
  ctx.lineTo(left + plotWidth, top + plotHeight + 0.5);
  ctx.stroke();
}

function drawAxes(ctx, hm, from, to, plotWidth) {
  const { left, top, plotHeight } = LAYOUT;
  drawPlotFrame(ctx, left, top, plotWidth, plotHeight);
  ctx.textBaseline = 'top';
  ctx.textAlign = 'center';
  const span = to - from + 1;
  for (const step of niceTicks(from, to, Math.max(2, Math.floor(plotWidth / 90)))) {
    if (!Number.isInteger(step)) continue;
    const x = left + ((step - from + 0.5) / span) * plotWidth;
    ctx.beginPath();
    ctx.moveTo(x, top + plotHeight);
    ctx.lineTo(x, top + plotHeight + 4);
    ctx.stroke();
    ctx.fillText(String(step), x, top + plotHeight + 6);
  }
  if (!hm) return;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  const bins = hm.bins;
  const marks = new Set([0, Math.round(bins / 4), Math.round(bins / 2), Math.round((3 * bins) / 4), bins]);
  for (const i of marks) {
    const y = top + plotHeight - (i / bins) * plotHeight;
    ctx.beginPath();
    ctx.moveTo(left - 4, y);
    ctx.lineTo(left, y);
    ctx.stroke();
    ctx.fillText(formatNumber(hm.bin_edges[i]), left - 6, Math.min(Math.max(y, top + 5), top + plotHeight - 2));
  }
}

function drawColourBar(ctx, maxCount, x) {
  const { top, plotHeight } = LAYOUT;
  const width = 10;
  for (let i = 0; i < plotHeight; i++) {
    ctx.fillStyle = viridisCss(1 - i / plotHeight);
    ctx.fillRect(x, top + i, width, 1);
  }
  ctx.fillStyle = AXIS;
  ctx.font = FONT;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const yOf = (value) => top + plotHeight - (maxCount > 0 ? Math.log1p(value) / Math.log1p(maxCount) : 0) * plotHeight;
  const labelAt = (value) => ctx.fillText(formatCount(value), x + width + 4, yOf(value));
  labelAt(0);
  if (maxCount <= 0) return;
  // Powers of ten, skipping those whose label would collide with the top (max) label.
  for (let p = 10; p < maxCount; p *= 100) if (yOf(p) - yOf(maxCount) > 18) labelAt(p);
  labelAt(maxCount);
}

// What lies under CSS pixel (x, y) of a drawn heatmap canvas, or null.
export function cellAt(canvas, x, y) {
  const state = canvas.heatmapState;
  if (!state || !state.hm) return null;
  const { left, top, plotHeight } = LAYOUT;
  const px = x - left;
  const py = y - top;
  if (px < 0 || py < 0 || px >= state.plotWidth || py >= plotHeight) return null;
  const hm = state.hm;
  const step = Math.floor(state.from + (px / state.plotWidth) * (state.to - state.from + 1));
  const column = columnAt(hm, step);
  const bin = hm.bins - 1 - Math.floor((py * hm.bins) / plotHeight);
  if (column < 0) return { step, column: -1, bin };
  return {
    step,
    column,
    bin,
    stepFrom: hm.step_from[column],
    stepTo: hm.step_to[column],
    lo: hm.bin_edges[bin],
    hi: hm.bin_edges[bin + 1],
    count: hm.counts[column * hm.bins + bin],
  };
}

// The step under CSS x (clamped to the plot).
export function stepAtX(canvas, x) {
  const state = canvas.heatmapState;
  const px = Math.min(Math.max(x - LAYOUT.left, 0), state.plotWidth);
  return Math.floor(state.from + (px / state.plotWidth) * (state.to - state.from + 1));
}
