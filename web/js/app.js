// The page's entry point: a single-page app with history-based routing.
//   /               the runs table (runs_page.js)
//   /runs/{id}      one run (run_page.js)
//   /compare?runs=a,b   runs side by side (run_page.js)
// Every route is a real URL: the server answers each with index.html, so links can be
// shared and reloaded.

import { RunsPage } from './runs_page.js';
import { RunPage } from './run_page.js';
import { compareRunIds, runIdFromPath } from './url.js';
import { el, clear } from './dom.js';

const root = document.getElementById('app');
let page = null;

function navigate(url) {
  history.pushState(null, '', url);
  render();
}

function render() {
  if (page) page.destroy();
  page = null;
  document.getElementById('tooltip').hidden = true;
  const path = location.pathname;
  const params = new URLSearchParams(location.search);
  if (path === '/' || path === '/runs' || path === '/runs/') {
    page = new RunsPage(root, navigate);
  } else if (path === '/compare' || path === '/compare/') {
    const ids = compareRunIds();
    if (ids.length === 0) {
      clear(root).append(el('p', { class: 'message', text: 'Pick runs to compare on the runs page.' }));
      return;
    }
    page = new RunPage(root, ids, params);
  } else if (runIdFromPath() !== null) {
    page = new RunPage(root, [runIdFromPath()], params);
  } else {
    clear(root).append(el('p', { class: 'message', text: 'Page not found.' }),
                       el('a', { href: '/', text: 'all runs' }));
    return;
  }
  document.title = 'actiscope';
  page.start();
}

// Same-origin links navigate inside the app.
document.addEventListener('click', (event) => {
  const a = event.target.closest('a');
  if (!a || a.target || a.hasAttribute('download') || event.button !== 0 ||
      event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});

window.addEventListener('popstate', render);
render();
