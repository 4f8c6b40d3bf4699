#!/usr/bin/env bash
# Runs every test of actiscope: installs dependencies, builds with warnings as errors, runs the
# unit and integration tests (ctest), then the browser tests. Works from any directory.
#   BUILD_DIR   build folder (default: <repo>/build)
#   JOBS        parallel build jobs (default: number of cores)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build}"
jobs="${JOBS:-$(nproc)}"

"$repo/deploy/install-deps.sh"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACTISCOPE_WERROR=ON
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
if [ -x "$repo/tests/browser/run.sh" ]; then
  "$repo/tests/browser/run.sh" "$build"
fi
