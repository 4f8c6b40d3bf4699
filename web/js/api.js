// Client of actiscope-server's HTTP API (documented in web/README.md).

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

const enc = encodeURIComponent;

async function getJson(path, signal) {
  const response = await fetch(path, { signal, headers: { Accept: 'application/json' } });
  if (response.status === 401) {
    // The login session ended (or never was): log in, then come back here.
    location.assign('/login?next=' + enc(location.pathname + location.search));
  }
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    throw new ApiError(`${path}: HTTP ${response.status}, not JSON`, response.status);
  }
  if (!response.ok) {
    throw new ApiError(body && body.error ? body.error : `HTTP ${response.status}`,
                       response.status);
  }
  return body;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  return q.toString();
}

export function listRuns(name, signal) {
  return getJson('/api/runs' + (name ? '?' + query({ name }) : ''), signal);
}

export function getRun(id, signal) {
  return getJson(`/api/runs/${enc(id)}`, signal);
}

// The server's query limits and defaults: {runs, heatmap, scalars} (web/README.md).
export function getLimits(signal) {
  return getJson('/api/limits', signal);
}

// params: {layer, kind, from, to, columns, rank}
export function getHeatmap(id, params, signal) {
  return getJson(`/api/runs/${enc(id)}/heatmap?${query(params)}`, signal);
}

export function getScalars(id, params, signal) {
  return getJson(`/api/runs/${enc(id)}/scalars?${query(params)}`, signal);
}

// What the server's detectors flagged in the run: {alerts: [...]} (web/README.md).
export function getAlerts(id, signal) {
  return getJson(`/api/runs/${enc(id)}/alerts`, signal);
}

export function eventsUrl(id) {
  return `/api/runs/${enc(id)}/events`;
}
