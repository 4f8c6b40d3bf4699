// Hover and drag-to-zoom on a drawn heatmap canvas (see heatmap.js). The tooltip shows the
// column's step range, the bin's value range and the count as text, and carries the same
// values in data- attributes for tests.

import { cellAt, stepAtX, LAYOUT } from './heatmap.js';
import { formatNumber } from './format.js';
import { el } from './dom.js';

function tooltip() {
  return document.getElementById('tooltip');
}

function showTooltip(canvas, event, cell) {
  const tip = tooltip();
  if (!cell || cell.column < 0) {
    tip.hidden = true;
    return;
  }
  const lines = [
    canvas.dataset.layer,
    cell.stepFrom === cell.stepTo ? `step ${cell.stepFrom}` : `steps ${cell.stepFrom}–${cell.stepTo}`,
    `values [${formatNumber(cell.lo)}, ${formatNumber(cell.hi)})`,
    `count ${cell.count}`,
  ];
  tip.replaceChildren(...lines.map((line) => el('div', { text: line })));
  Object.assign(tip.dataset, {
    stepFrom: cell.stepFrom, stepTo: cell.stepTo, bin: cell.bin, count: cell.count,
    layer: canvas.dataset.layer, run: canvas.dataset.run,
  });
  tip.hidden = false;
  const x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
  const y = Math.min(event.clientY + 14, window.innerHeight - tip.offsetHeight - 4);
  tip.style.left = `${x}px`;
  tip.style.top = `${y}px`;
}

// onZoom(fromStep, toStep) is called when a drag wider than a few pixels ends.
export function attachHeatmapInteractions(canvas, { onZoom }) {
  let dragStart = null;
  let box = null;
  const local = (event) => {
    const r = canvas.getBoundingClientRect();
    return { x: event.clientX - r.left, y: event.clientY - r.top };
  };
  canvas.addEventListener('mousemove', (event) => {
    if (dragStart) return;
    const p = local(event);
    showTooltip(canvas, event, cellAt(canvas, p.x, p.y));
  });
  canvas.addEventListener('mouseleave', () => {
    tooltip().hidden = true;
  });
  canvas.addEventListener('mousedown', (event) => {
    if (!canvas.heatmapState || event.button !== 0) return;
    const p = local(event);
    if (p.x < LAYOUT.left || p.x > LAYOUT.left + canvas.heatmapState.plotWidth) return;
    event.preventDefault();
    dragStart = p.x;
    tooltip().hidden = true;
    box = el('div', { class: 'zoom-box' });
    box.style.left = `${p.x}px`;
    box.style.top = `${LAYOUT.top}px`;
    box.style.height = `${LAYOUT.plotHeight}px`;
    box.style.width = '0px';
    canvas.parentElement.append(box);
    const move = (e) => {
      const x = Math.min(Math.max(local(e).x, LAYOUT.left), LAYOUT.left + canvas.heatmapState.plotWidth);
      box.style.left = `${Math.min(x, dragStart)}px`;
      box.style.width = `${Math.abs(x - dragStart)}px`;
    };
    const up = (e) => {
      document.removeEventListener('mousemove', move);
      document.removeEventListener('mouseup', up);
      const x = local(e).x;
      const a = Math.min(x, dragStart);
      const b = Math.max(x, dragStart);
      box.remove();
      box = null;
      dragStart = null;
      if (b - a < 4) return;
      const from = stepAtX(canvas, a);
      const to = stepAtX(canvas, b);
      if (to > from) onZoom(from, to);
    };
    document.addEventListener('mousemove', move);
    document.addEventListener('mouseup', up);
  });
}
