#!/usr/bin/env bash
# Where a real run's CPU goes, by thread and library, with probes and without: starts
# actiscope-server on a fresh database, then samples the whole machine (perf record -a, the
# cpu-clock software event, which works where hardware counters do not) while actiscope-train
# (ResNet-18 on Fashion-MNIST, 900 steps) streams to it, once with --probes=none and once with
# the default probes. Prints, per variant, the share of all samples by thread name and library,
# and the samples in actiscope's own functions. Shares of one run are comparable within the run
# and robust to machine noise; wall-clock ratios on a shared machine are not (trainer_cost_bench).
# Needs root or perf_event_paranoid <= 0, and Debian's linux-perf.
#   tests/bench/trainer_profile.sh [BUILD_DIR] [actiscope-train flags...]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="$(cd "${1:-$repo/build}" && pwd)"
shift || true
work="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/server/actiscope-server" --grpc_addr=127.0.0.1:0 --http_addr=127.0.0.1:0 \
  --db="$work/bench.db" --port_file="$work/ports" 2>"$work/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$work/ports" ] && break; sleep 0.1; done
port="$(cut -d' ' -f1 "$work/ports")"
for variant in none probes; do
  flags=()
  [ "$variant" = none ] && flags=(--probes=none)
  perf record -q -a -e cpu-clock -F 2000 -o "$work/perf.$variant" -- \
    "$build/trainer/actiscope-train" --server="127.0.0.1:$port" --width=16 --epochs=1 \
    --max_steps=900 --test_limit=64 --run_name="trainer_profile $variant" "${flags[@]}" "$@" \
    | grep '^steps'
done
# sed, not head, ends each listing: head closing the pipe early would fail it (pipefail).
for variant in none probes; do
  echo "== $variant: share of all samples by thread and library (top 16)"
  perf report -i "$work/perf.$variant" --no-children --sort comm,dso -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | sed -n '1,16p'
  echo "== $variant: share by thread (actiscope-batch and -send: the reporter; grpcpp_sync_ser: the server)"
  perf report -i "$work/perf.$variant" --no-children --sort comm -g none 2>/dev/null \
    | grep -v '^#' | grep -v '^$' | sed -n '1,8p'
  echo "== $variant: actiscope's functions and the reporter's and server's threads"
  perf report -i "$work/perf.$variant" --no-children --sort comm,symbol -g none 2>/dev/null \
    | grep -E 'actiscope::|actiscope-batch|actiscope-send|grpcpp_sync_ser|actiscope-serve' \
    | awk '{printf "%s %s", $1, $2; for (i = 4; i <= NF; ++i) printf " %s", $i; print ""}' \
    | cut -c1-150 | sed -n '1,12p'
done
