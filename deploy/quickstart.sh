#!/usr/bin/env bash
# The main job of actiscope on a fresh Debian machine: installs what it needs, builds, starts
# actiscope-server (SQLite database, web page on http://127.0.0.1:8080) and trains ResNet-18 on
# Fashion-MNIST with probes, so the heatmaps grow live in the browser. Works from any directory.
#
#   deploy/quickstart.sh                 the seed experiment: three short runs in a row
#                                        (lr 1e-2, lr 1, discriminative lr 1e-6..1e-2)
#   deploy/quickstart.sh --lr=3e-3 ...   one run with your own actiscope-train flags
#
# Environment: BUILD_DIR (default <repo>/build), ACTISCOPE_DB (default <repo>/actiscope.db),
# GRPC_ADDR (default 127.0.0.1:50051), HTTP_ADDR (default 127.0.0.1:8080),
# KEEP_SERVING=0 to stop the server when training ends instead of waiting for Ctrl-C.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build}"
db="${ACTISCOPE_DB:-$repo/actiscope.db}"
grpc_addr="${GRPC_ADDR:-127.0.0.1:50051}"
http_addr="${HTTP_ADDR:-127.0.0.1:8080}"

"$repo/deploy/install-deps.sh"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" --target actiscope-server actiscope-train actiscope

state="$(mktemp -d)"
"$build/server/actiscope-server" --grpc_addr="$grpc_addr" --http_addr="$http_addr" --db="$db" \
  --port_file="$state/ports" &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; rm -rf "$state"' EXIT
for _ in $(seq 1 100); do
  [ -s "$state/ports" ] && break
  kill -0 "$server_pid" 2>/dev/null || { echo "quickstart: actiscope-server failed to start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$state/ports" ] || { echo "quickstart: actiscope-server did not start in 10 s" >&2; exit 1; }
echo
echo "actiscope: open http://$http_addr/ to watch the heatmaps grow."
echo

train=("$build/trainer/actiscope-train" --server="$grpc_addr" --http="$http_addr")
if [ "$#" -gt 0 ]; then
  "${train[@]}" "$@"
else
  # The seed's three pictures, at a width and length this CPU trains in minutes.
  common=(--width=16 --epochs=2 --max_steps=1000 --batch_size=64 --bins=40)
  "${train[@]}" "${common[@]}" --run_name="lr 1e-2" --lr=1e-2
  "${train[@]}" "${common[@]}" --run_name="lr 1" --lr=1
  "${train[@]}" "${common[@]}" --run_name="discriminative 1e-6..1e-2" \
    --lr_groups=conv1=1e-6,conv2_x=1e-6,conv3_x=1e-2,conv4_x=1e-2,conv5_x=1e-2,head=1e-2
fi

if [ "${KEEP_SERVING:-1}" = 1 ]; then
  echo
  echo "actiscope: training done; the server keeps serving http://$http_addr/ until Ctrl-C."
  wait "$server_pid"
fi
