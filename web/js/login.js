// The login page (/login): trades a read or admin token for a session cookie through
// POST /login (web/README.md, "Logging in"), then goes back to the page that sent the user here.
// Without JavaScript the form posts itself; the server answers with the same cookie.

// The page to return to: a path on this server, never another site.
function nextPath() {
  const next = new URLSearchParams(location.search).get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : '/';
}

async function logIn(event) {
  event.preventDefault();
  const error = document.getElementById('login-error');
  error.hidden = true;
  const token = document.getElementById('token').value.trim();
  try {
    // referrerPolicy lets the browser send this page's Origin, which the server checks.
    const response = await fetch('/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ token }),
      referrerPolicy: 'same-origin',
      credentials: 'same-origin',
    });
    if (response.ok) {
      location.replace(nextPath());
      return;
    }
    let message = `HTTP ${response.status}`;
    try {
      const body = await response.json();
      if (body && body.error) message = body.error;
    } catch (e) {
      // Not JSON: keep the status.
    }
    error.textContent = message;
  } catch (e) {
    error.textContent = `cannot reach the server: ${e.message}`;
  }
  error.hidden = false;
}

const form = document.getElementById('login');
document.getElementById('next').value = nextPath();
form.addEventListener('submit', logIn);
