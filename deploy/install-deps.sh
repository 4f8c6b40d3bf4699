#!/usr/bin/env bash
# Installs, idempotently, every Debian package that building actiscope, running its tests and
# running the demo need. Safe to run again: apt-get skips what is already installed.
#   deploy/install-deps.sh              everything (trainer, tests, browser tests)
#   deploy/install-deps.sh --collector  a collector-only host: what actiscope-server, the CLI and
#                                       their tests need, without LibTorch, the dataset or
#                                       Chromium (build with -DACTISCOPE_WITH_TORCH=OFF)
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format openssl curl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libsqlite3-dev sqlite3 libzstd-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
if [ "${1:-}" != "--collector" ]; then
  packages+=(libtorch-dev libgloo-dev dataset-fashion-mnist chromium chromium-driver)
  # The Python package (python/): built with pybind11 over the same libtorch, tested with pytest.
  packages+=(pybind11-dev python3-dev python3-torch python3-torchvision python3-pytest)
  packages+=(clang-14 libclang-rt-14-dev)  # tests/fuzz: libFuzzer and the sanitizers.
fi
# Node.js may come from elsewhere (NodeSource bundles npm and conflicts with Debian's npm).
if [ "${1:-}" != "--collector" ] && ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
