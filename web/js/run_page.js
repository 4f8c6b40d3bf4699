// The run page (/runs/{id}) and the comparison (/compare?runs=a,b): one column per run, one
// heatmap per probed layer stacked in model order, rows aligned layer by layer and all on one
// step axis; loss, test error and per-layer statistics under them. Kind and rank switches,
// drag-to-zoom, PNG export, and live growth from each run's Server-Sent Events.
// Above the columns, the list of the runs' alerts (alerts.js); clicking one shows its kind and
// scrolls to its layer. Each heatmap carries a marker at the first step of each alert of its
// layer, the kind shown and the rank shown (every rank when merged). A run's alerts are fetched
// at the start and again after each of its events (one request at a time), not with every
// redraw.

import { el, clear } from './dom.js';
import { getLimits, getRun, getHeatmap, getScalars, getAlerts, eventsUrl } from './api.js';
import { drawHeatmap, LAYOUT } from './heatmap.js';
import { attachHeatmapInteractions } from './heatmap_interaction.js';
import { lineChart, PALETTE } from './line_chart.js';
import { layerStats } from './layer_stats.js';
import { scalarsLike } from './scalar_names.js';
import { formatTime } from './format.js';
import { rawParam } from './url.js';
import { downloadCanvas, exportStack, safeFileName } from './export.js';
import { AlertList, alertsForHeatmap, placeAlertMarkers } from './alerts.js';

const ENDED = new Set(['finished', 'failed']);

export class RunPage {
  constructor(root, runIds, params) {
    this.root = root;
    this.runIds = runIds;
    this.kind = params.get('kind') || '';
    this.rank = params.get('rank') || 'merged';
    const from = Number.parseInt(params.get('from'), 10);
    const to = Number.parseInt(params.get('to'), 10);
    this.zoom = Number.isFinite(from) && Number.isFinite(to) && to >= from ? { from, to } : null;
    this.runs = [];
    this.sources = [];
    this.abort = new AbortController();
    this.inFlight = false;
    this.dirty = false;
    this.onResize = () => {
      clearTimeout(this.resizeTimer);
      this.resizeTimer = setTimeout(() => this.refresh(), 150);
    };
  }

  async start() {
    this.message = el('p', { class: 'message', text: 'Loading…' });
    clear(this.root).append(this.message);
    try {
      const signal = this.abort.signal;
      [this.limits, this.runs] = await Promise.all([getLimits(signal),
        Promise.all(this.runIds.map(async (id) => ({ id, info: await getRun(id, signal) })))]);
    } catch (e) {
      if (e.name !== 'AbortError') this.message.textContent = `Could not load the run: ${e.message}`;
      return;
    }
    this.layers = unionLayers(this.runs.map((r) => r.info.layers));
    const kinds = new Set();
    const ranks = new Set();
    for (const layer of this.layers) {
      layer.kinds.forEach((k) => kinds.add(k));
      layer.ranks.forEach((r) => ranks.add(r));
    }
    this.kinds = ['activation', 'gradient', 'weight'].filter((k) => kinds.has(k));
    if (!this.kinds.includes(this.kind)) this.kind = this.kinds[0] || 'activation';
    this.ranks = [...ranks].sort((a, b) => a - b);
    this.build();
    window.addEventListener('resize', this.onResize);
    for (const run of this.runs) this.refreshAlerts(run);
    await this.refresh();
    for (const run of this.runs) this.listen(run);
  }

  build() {
    this.kindSelect = el('select', { class: 'kind-select', 'aria-label': 'kind',
      onchange: (e) => { this.kind = e.target.value; this.updateUrl(); this.refresh(); } },
      this.kinds.map((k) => el('option', { value: k, selected: k === this.kind, text: k + 's' })));
    this.rankSelect = el('select', { class: 'rank-select', 'aria-label': 'rank',
      onchange: (e) => { this.rank = e.target.value; this.updateUrl(); this.refresh(); } },
      el('option', { value: 'merged', text: 'ranks merged' }),
      this.ranks.map((r) => el('option', { value: String(r), selected: String(r) === this.rank, text: `rank ${r}` })));
    this.resetButton = el('button', { class: 'reset-zoom', text: 'Reset zoom', disabled: !this.zoom,
      onclick: () => this.setZoom(null) });
    const exportButton = el('button', { class: 'export-stack', text: 'Export stack (PNG)',
      onclick: () => exportStack(this.runs, this.layers, this.kind) });
    const toolbar = el('div', { class: 'toolbar' },
      el('a', { href: '/', class: 'back', text: '← runs' }),
      this.kinds.length > 1 ? this.kindSelect : el('span', { class: 'kind-label', text: this.kind + 's' }),
      this.ranks.length > 1 ? this.rankSelect : null,
      this.resetButton, exportButton,
      el('span', { class: 'hint', text: 'drag across a heatmap to zoom' }));
    this.alertList = new AlertList((runId, alert) => this.focusAlert(runId, alert));
    const grid = el('div', { class: `columns columns-${this.runs.length}` });
    for (const run of this.runs) {
      run.alerts = null;
      run.alertError = null;
      run.header = el('div', { class: 'run-header' });
      run.heatmaps = new Map();
      const stack = el('div', { class: 'stack' });
      for (const layer of this.layers) {
        const canvas = el('canvas', { class: 'heatmap', dataset: { run: run.id, layer: layer.name } });
        attachHeatmapInteractions(canvas, { onZoom: (from, to) => this.setZoom({ from, to }) });
        const save = el('button', { class: 'png', text: 'PNG', title: 'download this heatmap as PNG',
          onclick: () => downloadCanvas(canvas, safeFileName(`${run.info.name}-${layer.name}-${this.kind}.png`)) });
        stack.append(el('div', { class: 'heatmap-row' },
          el('div', { class: 'layer-label' }, el('span', { class: 'layer-name', text: layer.name }), save),
          el('div', { class: 'heatmap-wrap' }, canvas)));
        run.heatmaps.set(layer.name, canvas);
      }
      run.charts = el('div', { class: 'charts' });
      run.column = el('section', { class: 'run-column', dataset: { runId: run.id } }, run.header, stack, run.charts);
      grid.append(run.column);
      this.renderHeader(run);
    }
    clear(this.root).append(toolbar, this.alertList.element, grid);
  }

  renderHeader(run) {
    const info = run.info;
    const steps = info.last_step >= 0 ? `steps ${Math.max(0, info.first_step)}–${info.last_step}` : 'no steps yet';
    const config = Object.entries(info.config).map(([k, v]) => el('span', { class: 'config-item' },
      el('span', { class: 'config-key', text: k }), el('span', { class: 'config-value', text: v })));
    clear(run.header).append(
      el('h1', { class: 'run-name', text: info.name || info.id }),
      el('div', { class: 'run-meta' },
        el('span', { class: `status status-${info.status}`, text: info.status }),
        el('span', { class: 'run-steps', text: steps }),
        el('span', { text: `started ${formatTime(info.start_time)}` }),
        info.host ? el('span', { text: info.host }) : null,
        info.device ? el('span', { text: info.device }) : null,
        info.world_size > 1 ? el('span', { text: `${info.world_size} ranks` }) : null),
      el('div', { class: 'config' }, config));
  }

  // The step range shown: the zoom, or every run's steps together.
  range() {
    if (this.zoom) return this.zoom;
    let from = Infinity;
    let to = -Infinity;
    for (const run of this.runs) {
      if (run.info.last_step < 0) continue;
      from = Math.min(from, Math.max(0, run.info.first_step));
      to = Math.max(to, run.info.last_step);
    }
    return Number.isFinite(from) ? { from, to } : { from: 0, to: 0 };
  }

  setZoom(zoom) {
    this.zoom = zoom;
    this.resetButton.disabled = !zoom;
    this.updateUrl();
    this.refresh();
  }

  updateUrl() {
    const q = new URLSearchParams(location.search);
    const set = (k, v) => (v === null || v === undefined ? q.delete(k) : q.set(k, String(v)));
    set('kind', this.kind === 'activation' ? null : this.kind);
    set('rank', this.rank === 'merged' ? null : this.rank);
    set('from', this.zoom ? this.zoom.from : null);
    set('to', this.zoom ? this.zoom.to : null);
    // Keep runs= as it was written (ids percent-encoded, joined by raw commas).
    const runs = rawParam('runs');
    q.delete('runs');
    let search = q.toString();
    if (runs !== null) search = `runs=${runs}` + (search ? `&${search}` : '');
    history.replaceState(null, '', location.pathname + (search ? `?${search}` : ''));
  }

  // Fetches every heatmap and chart for the current range, then draws them all at once.
  // One refresh at a time; calls meanwhile mark it dirty and it runs again once.
  async refresh() {
    if (this.inFlight) {
      this.dirty = true;
      return;
    }
    this.inFlight = true;
    try {
      do {
        this.dirty = false;
        await this.fetchAndDraw();
      } while (this.dirty && !this.abort.signal.aborted);
    } finally {
      this.inFlight = false;
    }
  }

  async fetchAndDraw() {
    const { from, to } = this.range();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(200, Math.floor(this.runs[0].column.clientWidth));
    const pixels = Math.round((width - LAYOUT.left - LAYOUT.right) * dpr);
    const columns = Math.max(1, Math.min(this.limits.heatmap.max_columns, pixels));
    const points = Math.min(this.limits.scalars.max_points, columns);
    const signal = this.abort.signal;
    let results;
    try {
      results = await Promise.all(this.runs.map(async (run) => {
        const heatmaps = await Promise.all(this.layers.map(async (layer) => {
          const has = run.info.layers.some((l) => l.name === layer.name && l.kinds.includes(this.kind));
          if (!has) return null;
          const params = { layer: layer.name, kind: this.kind, from, to, columns, rank: this.rank === 'merged' ? '' : this.rank };
          // A layer without the chosen rank (404) is drawn empty; other errors fail the refresh.
          const hm = await getHeatmap(run.id, params, signal).catch((e) => {
            if (e.status === 404) return null;
            throw e;
          });
          return hm ? { params, hm } : null;
        }));
        const scalars = await getScalars(run.id, { from, to, points }, signal);
        return { heatmaps, scalars: scalars.scalars };
      }));
    } catch (e) {
      if (e.name !== 'AbortError') this.showError(e);
      return;
    }
    this.runs.forEach((run, i) => this.drawRun(run, results[i], from, to, width));
  }

  drawRun(run, result, from, to, width) {
    this.layers.forEach((layer, li) => {
      const canvas = run.heatmaps.get(layer.name);
      const entry = result.heatmaps[li];
      drawHeatmap(canvas, entry ? entry.hm : null, from, to, width);
      canvas.dataset.query = entry ? new URLSearchParams(entry.params).toString() : '';
      canvas.dataset.lastStep = entry && entry.hm.step_to.length ? String(entry.hm.step_to[entry.hm.step_to.length - 1]) : '-1';
    });
    this.markRun(run);
    const names = result.scalars.map((s) => s.name);
    const series = (which) => scalarsLike(names, which).map((name, i) => {
      const s = result.scalars.find((x) => x.name === name);
      return { label: name, steps: s.steps, values: s.values, colour: PALETTE[i % PALETTE.length] };
    });
    const stats = this.layers.map((layer, li) => {
      const entry = result.heatmaps[li];
      return entry ? { layer: layer.name, stats: layerStats(entry.hm), colour: PALETTE[li % PALETTE.length] } : null;
    }).filter(Boolean);
    const statSeries = (key) => stats.map((s) => ({ label: s.layer, steps: s.stats.steps, values: s.stats[key], colour: s.colour }));
    const loss = series('loss');
    const error = series('error');
    clear(run.charts).append(
      loss.length ? lineChart('loss', loss, from, to, width) : el('p', { class: 'note', text: 'no loss reported' }),
      error.length ? lineChart('test error', error, from, to, width) : el('p', { class: 'note', text: 'no test error reported' }),
      lineChart(`mean (${this.kind}s)`, statSeries('mean'), from, to, width),
      lineChart(`standard deviation (${this.kind}s)`, statSeries('std'), from, to, width),
      lineChart('fraction near zero', statSeries('nearZero'), from, to, width));
  }

  // Fetches the run's alerts and shows them in the list and on its heatmaps. One request per
  // run at a time; calls meanwhile make it ask once more. A failed request keeps the alerts
  // shown and says so in the list.
  async refreshAlerts(run) {
    if (run.alertsInFlight) {
      run.alertsDirty = true;
      return;
    }
    run.alertsInFlight = true;
    try {
      do {
        run.alertsDirty = false;
        try {
          const body = await getAlerts(run.id, this.abort.signal);
          run.alerts = Array.isArray(body.alerts) ? body.alerts : [];
          run.alertError = null;
        } catch (e) {
          if (e.name === 'AbortError') return;
          run.alertError = e.message;
        }
        this.showAlerts();
        this.markRun(run);
      } while (run.alertsDirty && !this.abort.signal.aborted);
    } finally {
      run.alertsInFlight = false;
    }
  }

  showAlerts() {
    this.alertList.render(this.runs.map((run) => ({ id: run.id, name: run.info.name || run.id,
      worldSize: run.info.world_size, alerts: run.alerts, error: run.alertError })));
  }

  // The alert markers of every heatmap of `run` as drawn now.
  markRun(run) {
    for (const layer of this.layers) {
      placeAlertMarkers(run.heatmaps.get(layer.name),
                        alertsForHeatmap(run.alerts, layer.name, this.kind, this.rank),
                        run.info.world_size > 1);
    }
  }

  // Shows where `alert` of run `runId` is: switches to its kind (and its rank, when one rank is
  // shown), zooms out if the zoom hides its first step, and scrolls its layer's heatmap into view.
  focusAlert(runId, alert) {
    const run = this.runs.find((r) => r.id === runId);
    const canvas = run && run.heatmaps.get(alert.layer);
    if (!canvas) return;
    let changed = false;
    if (alert.kind !== this.kind && this.kinds.includes(alert.kind)) {
      this.kind = alert.kind;
      this.kindSelect.value = alert.kind;
      changed = true;
    }
    if (this.rank !== 'merged' && String(alert.rank) !== this.rank && this.ranks.includes(alert.rank)) {
      this.rank = String(alert.rank);
      this.rankSelect.value = this.rank;
      changed = true;
    }
    if (this.zoom && (alert.first_step < this.zoom.from || alert.first_step > this.zoom.to)) {
      this.zoom = null;
      this.resetButton.disabled = true;
      changed = true;
    }
    if (changed) {
      this.updateUrl();
      this.refresh();
    }
    const row = canvas.closest('.heatmap-row');
    for (const old of this.root.querySelectorAll('.heatmap-row.focused')) old.classList.remove('focused');
    void row.offsetWidth;  // Restarts the highlight's animation when the same row is picked again.
    row.classList.add('focused');
    row.scrollIntoView({ block: 'center', behavior: 'smooth' });
  }

  showError(e) {
    for (const run of this.runs) {
      const note = run.column.querySelector('.error-note') || el('p', { class: 'error-note' });
      note.textContent = `Could not load data: ${e.message}`;
      run.column.prepend(note);
    }
  }

  listen(run) {
    if (ENDED.has(run.info.status)) return;
    const source = new EventSource(eventsUrl(run.id));
    this.sources.push(source);
    source.addEventListener('run', (e) => {
      const update = JSON.parse(e.data);
      const grew = update.last_step !== run.info.last_step;
      Object.assign(run.info, update);
      this.renderHeader(run);
      // The server stores a push's alerts before it announces the push.
      this.refreshAlerts(run);
      if (ENDED.has(update.status)) source.close();
      if (grew && !this.zoom) this.refresh();
    });
    source.addEventListener('error', (e) => {
      if (e.data || ENDED.has(run.info.status)) source.close();
    });
  }

  destroy() {
    this.abort.abort();
    for (const source of this.sources) source.close();
    window.removeEventListener('resize', this.onResize);
    clearTimeout(this.resizeTimer);
  }
}

// Layers of all runs in model order: the first run's order, then layers only later runs have.
function unionLayers(lists) {
  const byName = new Map();
  for (const list of lists) {
    for (const layer of list) {
      const known = byName.get(layer.name);
      if (!known) {
        byName.set(layer.name, { name: layer.name, kinds: [...layer.kinds], ranks: [...layer.ranks] });
      } else {
        layer.kinds.forEach((k) => known.kinds.includes(k) || known.kinds.push(k));
        layer.ranks.forEach((r) => known.ranks.includes(r) || known.ranks.push(r));
      }
    }
  }
  return [...byName.values()];
}
