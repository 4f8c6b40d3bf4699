// Per-column statistics of a heatmap payload: mean and standard deviation (from sum,
// sum_squares and elements) and the fraction of values near zero: the bin holding 0 for a
// linear layout whose range contains 0, otherwise the lowest bin (plus what fell below it for
// log-magnitude layouts, where exact zeros land), over all elements.

export function nearZeroBin(hm) {
  const edges = hm.bin_edges;
  if (hm.scale === 'linear' && edges[0] <= 0 && edges[edges.length - 1] > 0) {
    for (let b = 0; b < hm.bins; b++) if (edges[b] <= 0 && 0 < edges[b + 1]) return b;
  }
  return 0;
}

export function layerStats(hm) {
  const n = hm.step_from.length;
  const steps = new Array(n);
  const mean = new Array(n);
  const std = new Array(n);
  const nearZero = new Array(n);
  const zb = nearZeroBin(hm);
  const addBelow = hm.scale === 'log_magnitude';
  for (let i = 0; i < n; i++) {
    steps[i] = (hm.step_from[i] + hm.step_to[i]) / 2;
    const e = hm.elements[i];
    if (!(e > 0)) {
      mean[i] = std[i] = nearZero[i] = null;
      continue;
    }
    const m = hm.sum[i] / e;
    mean[i] = m;
    std[i] = Math.sqrt(Math.max(0, hm.sum_squares[i] / e - m * m));
    const near = hm.counts[i * hm.bins + zb] + (addBelow ? hm.below[i] : 0);
    nearZero[i] = near / e;
  }
  return { steps, mean, std, nearZero };
}
