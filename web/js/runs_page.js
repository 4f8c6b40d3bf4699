// The runs page: a table of runs (name, status, alerts, start, steps, model, lr, last loss,
// test error), a name filter, and check boxes to pick two or more runs to compare. The alerts
// column holds a badge with the number of alerts the server flagged in the run (alerts.js),
// empty when there are none; the badge, like the name, links to the run.

import { el, clear } from './dom.js';
import { listRuns } from './api.js';
import { formatNumber, formatTime } from './format.js';
import { pickScalar } from './scalar_names.js';
import { alertBadge } from './alerts.js';

const REFRESH_MS = 5000;

export class RunsPage {
  constructor(root, navigate) {
    this.root = root;
    this.navigate = navigate;
    this.selected = new Set();
    this.filter = new URLSearchParams(location.search).get('name') || '';
    this.timer = null;
    this.abort = new AbortController();
  }

  start() {
    const filter = el('input', {
      type: 'search', class: 'filter', placeholder: 'filter by name', value: this.filter,
      'aria-label': 'filter runs by name',
      oninput: (e) => {
        this.filter = e.target.value;
        history.replaceState(null, '', this.filter ? `/?name=${encodeURIComponent(this.filter)}` : '/');
        this.load();
      },
    });
    this.compareButton = el('button', {
      class: 'compare-button', disabled: true, text: 'Compare selected',
      onclick: () => this.compare(),
    });
    this.status = el('p', { class: 'message' });
    this.tbody = el('tbody');
    const table = el('table', { class: 'runs' },
      el('thead', {}, el('tr', {},
        ['', 'name', 'status', 'alerts', 'started', 'steps', 'model', 'lr', 'last loss', 'test error']
          .map((h) => el('th', { text: h })))),
      this.tbody);
    clear(this.root).append(
      el('section', { class: 'runs-page' },
        el('div', { class: 'toolbar' }, el('h1', { text: 'Runs' }), filter, this.compareButton),
        this.status, table));
    this.load();
  }

  async load() {
    clearTimeout(this.timer);
    try {
      const runs = await listRuns(this.filter, this.abort.signal);
      this.render(runs);
      this.status.textContent = runs.length ? '' : 'No runs yet. Start a trainer or actiscope-loadgen.';
    } catch (e) {
      if (e.name === 'AbortError') return;
      this.status.textContent = `Could not load runs: ${e.message}`;
    }
    if (!this.abort.signal.aborted) this.timer = setTimeout(() => this.load(), REFRESH_MS);
  }

  render(runs) {
    clear(this.tbody);
    for (const run of runs) {
      const box = el('input', {
        type: 'checkbox', 'aria-label': 'select for comparison', checked: this.selected.has(run.id),
        dataset: { runId: run.id },
        onchange: (e) => {
          if (e.target.checked) this.selected.add(run.id);
          else this.selected.delete(run.id);
          this.updateCompare();
        },
      });
      const steps = run.last_step >= 0 ? run.last_step - Math.max(0, run.first_step) + 1 : 0;
      const loss = pickScalar(Object.keys(run.latest || {}), 'loss');
      const error = pickScalar(Object.keys(run.latest || {}), 'error');
      const href = `/runs/${encodeURIComponent(run.id)}`;
      this.tbody.append(el('tr', { class: 'run-row', dataset: { runId: run.id } },
        el('td', {}, box),
        el('td', { class: 'name' }, el('a', { href, text: run.name || run.id })),
        el('td', {}, el('span', { class: `status status-${run.status}`, text: run.status })),
        el('td', { class: 'alerts' }, alertBadge(run.alerts, href)),
        el('td', { text: formatTime(run.start_time) }),
        el('td', { class: 'num', text: String(steps) }),
        el('td', { text: run.config.model || run.config.arch || '–' }),
        el('td', { class: 'num', text: run.config.lr || run.config.learning_rate || '–' }),
        el('td', { class: 'num last-loss', text: loss ? formatNumber(run.latest[loss].value) : '–' }),
        el('td', { class: 'num test-error', text: error ? formatNumber(run.latest[error].value) : '–' })));
    }
    this.updateCompare();
  }

  updateCompare() {
    this.compareButton.disabled = this.selected.size < 2;
  }

  compare() {
    const ids = [...this.selected].map(encodeURIComponent).join(',');
    this.navigate(`/compare?runs=${ids}`);
  }

  destroy() {
    clearTimeout(this.timer);
    this.abort.abort();
  }
}
