// Reading the page's URL. Run ids are user input and may hold commas, so /compare?runs=a,b
// keeps each id percent-encoded and splits the raw value on literal commas.

// The raw (still percent-encoded) value of a query parameter, or null.
export function rawParam(name) {
  for (const pair of location.search.slice(1).split('&')) {
    const eq = pair.indexOf('=');
    if (eq >= 0 && pair.slice(0, eq) === name) return pair.slice(eq + 1);
  }
  return null;
}

function decode(text) {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch (e) {
    return null;
  }
}

// The run ids of /compare?runs=a,b.
export function compareRunIds() {
  const raw = rawParam('runs');
  if (!raw) return [];
  return raw.split(',').map(decode).filter((id) => id);
}

// The run id of /runs/{id}, or null.
export function runIdFromPath() {
  const m = /^\/runs\/([^/]+)\/?$/.exec(location.pathname);
  return m ? decode(m[1]) : null;
}
