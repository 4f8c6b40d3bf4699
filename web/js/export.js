// PNG export: one heatmap canvas as it is, or a run's (or a comparison's) whole stack
// composed onto one canvas with the layer names drawn as canvas text.

export function safeFileName(name) {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 120) || 'heatmap.png';
}

export function downloadBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function downloadCanvas(canvas, fileName) {
  canvas.toBlob((blob) => blob && downloadBlob(blob, fileName), 'image/png');
}

const LABEL = 18;
const GAP = 12;

// Draws every run's heatmaps (one column per run) onto one canvas and downloads it.
export function exportStack(runs, layers, kind) {
  const columns = runs.map((run) => layers.map((l) => run.heatmaps.get(l.name)));
  const colWidth = Math.max(...columns.flat().map((c) => c.width));
  const rowHeight = Math.max(...columns.flat().map((c) => c.height)) + LABEL;
  const out = document.createElement('canvas');
  out.width = runs.length * colWidth + (runs.length - 1) * GAP;
  out.height = LABEL + layers.length * rowHeight;
  const ctx = out.getContext('2d');
  ctx.fillStyle = '#16181d';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#e8eaed';
  ctx.font = 'bold 13px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  runs.forEach((run, i) => {
    const x = i * (colWidth + GAP);
    ctx.font = 'bold 13px system-ui, sans-serif';
    ctx.fillText(`${run.info.name || run.id} (${kind}s)`, x + 4, 2);
    layers.forEach((layer, j) => {
      const y = LABEL + j * rowHeight;
      ctx.font = '12px system-ui, sans-serif';
      ctx.fillText(layer.name, x + 4, y + 2);
      ctx.drawImage(columns[i][j], x, y + LABEL);
    });
  });
  const name = runs.map((r) => r.info.name || r.id).join('_vs_');
  downloadCanvas(out, safeFileName(`${name}-${kind}-stack.png`));
}
