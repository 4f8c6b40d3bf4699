#!/usr/bin/env bash
# Wire and storage bytes per histogram over a real training run (issues 2 and 3 measure them
# "averaged over a real training run"): starts actiscope-server on a fresh database, trains
# ResNet-18 on Fashion-MNIST with the default 5 activation probes x 40 bins, twice: with the
# per-step loss and lr scalars, and with histograms (and per-epoch scalars) only. Prints
#   wire      bytes the reporter sent per histogram, framing included
#   database  file bytes per histogram, everything included, and the histogram tables alone
#             (segments, summaries and their indexes: the cost of one more histogram)
#   tests/bench/real_run_bench.sh [BUILD_DIR] [actiscope-train flags...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
shift || true
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

"$build/server/actiscope-server" --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 \
  --db="$work/bench.db" --port_file="$work/ports" 2> "$work/server.log" &
server=$!
for _ in $(seq 1 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
read -r grpc_port _ < "$work/ports"

for scalar_every in 1 0; do
  echo "-- --scalar_every=$scalar_every"
  "$build/trainer/actiscope-train" --server="127.0.0.1:$grpc_port" --width=16 --epochs=3 \
    --max_steps=3000 --test_limit=2000 --run_name="real-run-bench $scalar_every" \
    --scalar_every="$scalar_every" "$@" > "$work/train.log"
  grep -E "^steps |^frames acked" "$work/train.log"
done
kill "$server"; wait "$server" || true

histograms=$(sqlite3 "$work/bench.db" "SELECT sum(count) FROM segments")
file_bytes=$(stat -c %s "$work/bench.db")
table_bytes=$(sqlite3 "$work/bench.db" "SELECT sum(pgsize - unused) FROM dbstat WHERE name IN
  ('segments', 'segments_by_series', 'summaries', 'summaries_by_series')")
awk -v h="$histograms" -v f="$file_bytes" -v t="$table_bytes" 'BEGIN {
  printf "database: %d histograms, %.1f B/histogram in the whole file, %.1f B/histogram in the histogram tables (goal <= 48 B)\n", h, f / h, t / h }'
