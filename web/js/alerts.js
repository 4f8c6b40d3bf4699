// Alerts on the page: what the server's detectors flagged in a run (GET /api/runs/{id}/alerts,
// rules in server/alerts/alert_rules.h). Three views of them:
//   alertBadge        the runs table's count of a run's alerts (runs_page.js);
//   AlertList         the run page's list above the heatmaps, one line per alert, which calls
//                     back with the alert a visitor clicks (run_page.js scrolls to its layer);
//   placeAlertMarkers a marker on a drawn heatmap at the step each of its alerts began, with the
//                     message as its title; none for a step outside the drawn range.
// Layer names, types and messages come from the network: they reach the DOM only as text and
// attribute values (dom.js), and only known severities become class names.

import { el, clear } from './dom.js';
import { LAYOUT } from './heatmap.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

function severityOf(alert) {
  return SEVERITIES.has(alert.severity) ? alert.severity : 'unknown';
}

export function alertCountText(count) {
  return count === 1 ? '1 alert' : `${count} alerts`;
}

// The runs table's badge for a run with `count` alerts: a link to `href` (the run page) showing
// the count; null when there are none.
export function alertBadge(count, href) {
  if (!Number.isInteger(count) || count <= 0) return null;
  const text = alertCountText(count);
  return el('a', { class: 'alert-badge', href, title: text, 'aria-label': text,
    dataset: { count: String(count) }, text: String(count) });
}

// "from step 40", then ", cleared at step 59" once the condition stopped holding.
function stepsText(alert) {
  return `from step ${alert.first_step}` + (alert.cleared ? `, cleared at step ${alert.last_step}` : '');
}

// What a marker's title says: severity, type, rank (when the run has several), steps, message.
function markerTitle(alert, showRank) {
  const rank = showRank ? ` on rank ${alert.rank}` : '';
  return `${alert.severity} ${alert.type}${rank} ${stepsText(alert)}: ${alert.message}`;
}

function alertData(alert, runId) {
  return { run: runId, type: String(alert.type), layer: String(alert.layer), kind: String(alert.kind),
    rank: String(alert.rank), step: String(alert.first_step), severity: severityOf(alert),
    cleared: String(Boolean(alert.cleared)) };
}

// The list of the alerts of one or more runs (the comparison names the run of each). Hidden
// while no run has an alert or an error to show.
export class AlertList {
  // onSelect(runId, alert): a visitor clicked (or pressed Enter on) the alert.
  constructor(onSelect) {
    this.onSelect = onSelect;
    this.shown = null;
    this.element = el('section', { class: 'alerts-panel', 'aria-label': 'alerts', hidden: true });
  }

  // runs: [{id, name, worldSize, alerts (array, or null before the first answer), error}].
  // Redraws only when something changed, so a live run's updates keep the list's scroll.
  render(runs) {
    const key = JSON.stringify(runs);
    if (key === this.shown) return;
    this.shown = key;
    const named = runs.length > 1;
    const total = runs.reduce((n, run) => n + (run.alerts ? run.alerts.length : 0), 0);
    const errors = runs.filter((run) => run.error).map((run) =>
      el('p', { class: 'error-note', text: `Could not load the alerts of ${run.name}: ${run.error}` }));
    const items = [];
    for (const run of runs) {
      for (const alert of run.alerts || []) items.push(this.item(run, alert, named));
    }
    const scroll = this.element.scrollTop;
    clear(this.element).append(
      el('h2', { class: 'alerts-title', text: alertCountText(total) }), ...errors,
      items.length ? el('ul', { class: 'alert-list' }, items) : null);
    this.element.hidden = total === 0 && errors.length === 0;
    this.element.scrollTop = scroll;
  }

  item(run, alert, named) {
    const select = () => this.onSelect(run.id, alert);
    const where = [alert.layer, alert.kind, run.worldSize > 1 ? `rank ${alert.rank}` : null]
      .filter((part) => part !== null).join(' · ');
    return el('li', {
      class: 'alert-item' + (alert.cleared ? ' alert-cleared' : ''), tabindex: '0', role: 'button',
      title: 'show this layer', dataset: alertData(alert, run.id), onclick: select,
      onkeydown: (e) => {
        if (e.key !== 'Enter' && e.key !== ' ') return;
        e.preventDefault();
        select();
      },
    },
    named ? el('span', { class: 'alert-run', text: run.name }) : null,
    el('span', { class: `severity severity-${severityOf(alert)}`, text: alert.severity }),
    el('span', { class: 'alert-type', text: alert.type }),
    el('span', { class: 'alert-where', text: where }),
    el('span', { class: 'alert-steps', text: stepsText(alert) }),
    el('span', { class: 'alert-message', text: alert.message }));
  }
}

// The alerts that belong on the heatmap of `layer` and `kind` at `rank` (a rank number as text,
// or 'merged' for all ranks).
export function alertsForHeatmap(alerts, layer, kind, rank) {
  return (alerts || []).filter((a) => a.layer === layer && a.kind === kind &&
                                      (rank === 'merged' || String(a.rank) === rank));
}

// Replaces the markers on `canvas` (drawn by heatmap.js, which left canvas.heatmapState) by one
// per alert whose first step lies in the drawn step range, at that step's x: the centre of its
// slice of the plot, where the step axis puts its tick. Markers are absolutely placed children
// of the canvas's parent (.heatmap-wrap), class alert-marker with data-type, -step, -layer,
// -kind, -rank and -severity.
export function placeAlertMarkers(canvas, alerts, showRank) {
  const wrap = canvas.parentElement;
  for (const old of wrap.querySelectorAll('.alert-marker')) old.remove();
  const state = canvas.heatmapState;
  if (!state) return;
  const { from, to, plotWidth } = state;
  for (const alert of alerts) {
    const step = alert.first_step;
    if (!(step >= from && step <= to)) continue;
    const x = LAYOUT.left + ((step - from + 0.5) / (to - from + 1)) * plotWidth;
    const title = markerTitle(alert, showRank);
    const marker = el('div', {
      class: `alert-marker alert-marker-${severityOf(alert)}`, title, role: 'img', 'aria-label': title,
      dataset: alertData(alert, canvas.dataset.run),
    });
    marker.style.left = `${x}px`;
    marker.style.top = `${LAYOUT.top}px`;
    marker.style.height = `${LAYOUT.plotHeight}px`;
    wrap.append(marker);
  }
}
