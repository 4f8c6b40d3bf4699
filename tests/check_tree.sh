#!/usr/bin/env bash
# Checks the house rules of actiscope's tree: which folder may include which, who may touch
# SQLite, and that the C++ sources are clang-format clean. Prints each violation as
# FILE: RULE and exits 1 when there is any. tests/run_all.sh runs it before building.
#   tests/check_tree.sh            all rules
#   tests/check_tree.sh --no-format  the include rules only (no clang-format needed)
#
# Include rules (README.md, "How it fits together"), for #include "..." of actiscope's own code:
#   common/        includes only common/ (and third-party headers).
#   proto/         includes only proto/, common/ and the generated actiscope/v1/ code.
#   client/        includes only client/, proto/, common/, actiscope/ (its public headers).
#   trainer/       includes only trainer/, common/ and the client's public actiscope/client/.
#   cli/           includes only cli/, common/, proto/, client/ and actiscope/; nothing of server/.
#   server/store/  includes only server/store/ and common/: no protobuf type (actiscope/v1/),
#                  no wire codec (proto/), no edge (server/grpc/, server/http/).
#   server/alerts/ the detectors the gRPC edge runs at ingest: server/alerts/, the store's
#                  plain structs (server/store/) and common/; no edge, no protobuf type.
#   server/grpc/   the gRPC edge: anything below server/ except server/http/.
#   server/http/   the HTTP edge: anything below server/ except server/grpc/; no protobuf type.
#   server/*.cc    (server_main.cc, run_notifier) wires the edges; may include both.
#   Both edges may include server/alerts/ (the gRPC edge runs the detectors, HTTP names alerts).
#   The edges share only server/'s joining modules: run_notifier.h (both), ingest_counters.h
#   (gRPC counts, HTTP shows) and store_health.h (HTTP's /healthz).
#   Production code never includes tests/; only server/store/ includes <sqlite3.h> or holds SQL,
#   and tests/faults/, whose oracle checks the database file from outside the store.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
check_format=1
if [ "${1:-}" = "--no-format" ]; then check_format=0; fi

failures=0
fail() {
  echo "$1: $2"
  failures=$((failures + 1))
}

# allowed_prefixes FILE: the include prefixes FILE may use, space separated.
allowed_prefixes() {
  case "$1" in
    common/*) echo "common/" ;;
    proto/*) echo "proto/ common/ actiscope/v1/" ;;
    client/*) echo "client/ proto/ common/ actiscope/" ;;
    trainer/*) echo "trainer/ common/ actiscope/client/" ;;
    cli/*) echo "cli/ common/ proto/ client/ actiscope/" ;;
    server/store/*) echo "server/store/ common/" ;;
    server/auth/*) echo "server/auth/ common/" ;;
    # Alerts work on the store's structs and return them to the gRPC edge, which stores them.
    server/alerts/*) echo "server/alerts/ server/store/ common/" ;;
    server/grpc/*) echo "server/grpc/ server/auth/ server/store/ server/alerts/ server/run_notifier.h server/ingest_counters.h common/ proto/ actiscope/v1/" ;;
    server/http/*) echo "server/http/ server/auth/ server/store/ server/alerts/ server/run_notifier.h server/ingest_counters.h server/store_health.h common/" ;;
    server/*) echo "server/ common/ proto/ actiscope/v1/" ;;
    *) echo "" ;;
  esac
}

sources="$(git ls-files -co --exclude-standard -- '*.h' '*.cc' | grep -v '^build')"
for file in $sources; do
  [ -f "$file" ] || continue
  allowed="$(allowed_prefixes "$file")"
  while IFS= read -r inc; do
    [ -n "$inc" ] || continue
    case "$inc" in
      absl/* | gtest/* | gmock/* | grpcpp/* | google/* | benchmark/* | torch/* | httplib.h) continue ;;
    esac
    if [[ "$inc" == tests/* && "$file" != tests/* ]]; then
      fail "$file" "includes $inc: production code does not include tests/"
      continue
    fi
    [ -n "$allowed" ] || continue
    ok=0
    for prefix in $allowed; do
      if [[ "$inc" == "$prefix"* ]]; then ok=1; fi
    done
    # Unit tests may use the shared test helpers.
    if [[ "$inc" == common/testing/* ]]; then ok=1; fi
    if [ "$ok" -eq 0 ]; then fail "$file" "includes $inc (allowed: $allowed)"; fi
  done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$file")
  if [[ "$file" != server/store/* && "$file" != tests/faults/* ]]; then
    if grep -q '#include <sqlite3.h>' "$file"; then
      fail "$file" "includes <sqlite3.h>: only server/store/ talks to SQLite"
    fi
    if grep -qE '"(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA) ' "$file"; then
      fail "$file" "holds SQL: only server/store/ writes SQL"
    fi
  fi
done

if [ "$check_format" -eq 1 ]; then
  if ! command -v clang-format >/dev/null 2>&1; then
    echo "check_tree.sh: clang-format is missing (deploy/install-deps.sh installs it)" >&2
    exit 1
  fi
  for file in $sources; do
    [ -f "$file" ] || continue
    if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
      fail "$file" "not clang-format clean (run: clang-format -i $file)"
    fi
  done
fi

if [ "$failures" -gt 0 ]; then
  echo "check_tree.sh: $failures violation(s)" >&2
  exit 1
fi
echo "check_tree.sh: tree rules hold"
