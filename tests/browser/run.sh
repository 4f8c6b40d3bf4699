#!/usr/bin/env bash
# Browser tests of actiscope's web page: installs playwright-core (npm) into
# tests/browser/node_modules, then drives Debian's /usr/bin/chromium headless against a real
# actiscope-server filled by actiscope-loadgen (web_test.mjs), one whose runs raise alerts at
# known steps (alerts_test.mjs), and one behind HTTPS and tokens (login_test.mjs). Screenshots
# land in BUILD_DIR/screenshots/.
#   tests/browser/run.sh [BUILD_DIR]     (default: <repo>/build)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ ! -x /usr/bin/chromium ]; then
  echo "browser tests: /usr/bin/chromium is missing (deploy/install-deps.sh installs it)" >&2
  exit 1
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  (cd "$here" && { npm ci --no-audit --no-fund --loglevel=error ||
                   npm install --no-audit --no-fund --loglevel=error; })
fi
node "$here/web_test.mjs" "$build"
node "$here/alerts_test.mjs" "$build"
node "$here/login_test.mjs" "$build"
