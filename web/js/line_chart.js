// A small line chart on <canvas> whose plot area lines up with the heatmaps above it (same
// left/right margins and step range), so a step sits at the same x in both.

import { LAYOUT, drawPlotFrame } from './heatmap.js';
import { formatNumber, niceTicks } from './format.js';
import { el } from './dom.js';

const HEIGHT = 110;
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
                        '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

// series: [{label, steps: [...], values: [...], colour}]; returns a figure element with a
// title, the canvas and a legend (labels as text).
export function lineChart(title, series, from, to, cssWidth) {
  const canvas = el('canvas', { class: 'chart' });
  drawLineChart(canvas, series, from, to, cssWidth);
  const legend = el('div', { class: 'legend' },
    series.map((s) => el('span', { class: 'legend-item' },
      el('span', { class: 'swatch', style: { background: s.colour } }), s.label)));
  return el('figure', { class: 'chart-figure' },
    el('figcaption', { text: title }), canvas, series.length > 1 ? legend : null);
}

export function drawLineChart(canvas, series, from, to, cssWidth) {
  const dpr = window.devicePixelRatio || 1;
  const { left, right } = LAYOUT;
  const top = 6;
  const bottom = 20;
  const plotWidth = Math.max(10, cssWidth - left - right);
  const plotHeight = HEIGHT - top - bottom;
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${HEIGHT}px`;
  canvas.width = Math.round(cssWidth * dpr);
  canvas.height = Math.round(HEIGHT * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    for (let i = 0; i < s.steps.length; i++) {
      const v = s.values[i];
      if (s.steps[i] < from || s.steps[i] > to || v === null || !Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(hi >= lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi === lo) {
    hi += Math.abs(hi) * 0.05 + 1e-9;
    lo -= Math.abs(lo) * 0.05 + 1e-9;
  }
  const span = to - from + 1;
  const xOf = (step) => left + ((step - from + 0.5) / span) * plotWidth;
  const yOf = (v) => top + plotHeight - ((v - lo) / (hi - lo)) * plotHeight;
  drawPlotFrame(ctx, left, top, plotWidth, plotHeight);
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const v of niceTicks(lo, hi, 3)) ctx.fillText(formatNumber(v), left - 6, yOf(v));
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const step of niceTicks(from, to, Math.max(2, Math.floor(plotWidth / 90)))) {
    if (Number.isInteger(step)) ctx.fillText(String(step), xOf(step), top + plotHeight + 4);
  }
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, plotWidth, plotHeight);
  ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < s.steps.length; i++) {
      const v = s.values[i];
      if (v === null || !Number.isFinite(v)) {
        pen = false;
        continue;
      }
      const x = xOf(s.steps[i]);
      const y = yOf(v);
      if (pen) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      pen = true;
    }
    ctx.stroke();
  }
  ctx.restore();
}
