#!/usr/bin/env bash
# Runs every test of actiscope: installs dependencies, checks the tree's house rules
# (tests/check_tree.sh: include rules, clang-format), builds with warnings as errors, runs the
# unit, integration and quick fault tests (ctest; tests/faults/README.md has the long ones),
# then the Python package's tests (pytest, python/tests), then the browser tests, then checks
# that the deploy files start a collector with TLS and tokens on 0.0.0.0
# (tests/check_deploy.sh), then builds and tests the collector-only configuration
# (-DACTISCOPE_WITH_TORCH=OFF) with AddressSanitizer and UndefinedBehaviorSanitizer and checks
# that it touches no LibTorch header, then runs the libFuzzer targets for FUZZ_SECONDS each
# (tests/fuzz/run.sh, a clang build beside BUILD_DIR in BUILD_DIR-fuzz). ThreadSanitizer is not
# run: Debian's Abseil and gRPC are not built with it, so it cannot see their locks and reports
# every absl::Mutex-guarded access as a race. Works from any directory.
#   BUILD_DIR   build folder (default: <repo>/build; the collector-only build goes beside it,
#               in BUILD_DIR-collector)
#   JOBS        parallel build jobs (default: number of cores)
#   FUZZ_SECONDS  seconds per fuzz target (default 20)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build}"
collector_build="$build-collector"
jobs="${JOBS:-$(nproc)}"
# Both builds share ccache entries: paths are hashed relative to the repository.
export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=true

"$repo/deploy/install-deps.sh"
"$repo/tests/check_tree.sh"
cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DACTISCOPE_WERROR=ON
cmake --build "$build" -j "$jobs"
ctest --test-dir "$build" --output-on-failure -j "$jobs"
# The Python package (python/): its pytest tests against a real server, with Debian's python3
# (the interpreter python3-torch is for).
ACTISCOPE_BUILD_DIR="$build" PYTHONPATH="$build/python" /usr/bin/python3 -m pytest -q \
  -p no:cacheprovider "$repo/python/tests"
"$repo/tests/browser/run.sh" "$build"
"$repo/tests/check_deploy.sh" "$build"

# The collector-only build doubles as the sanitizer build: AddressSanitizer and
# UndefinedBehaviorSanitizer over the server, the CLI, the client core and their unit and
# integration tests (LibTorch's own code stays out of it).
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S "$repo" -B "$collector_build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DACTISCOPE_WERROR=ON -DACTISCOPE_WITH_TORCH=OFF -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON \
  "-DCMAKE_CXX_FLAGS=$sanitize" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined"
cmake --build "$collector_build" -j "$jobs"
ctest --test-dir "$collector_build" --output-on-failure -j "$jobs"
"$repo/tests/check_no_torch.sh" "$collector_build"

"$repo/tests/fuzz/run.sh" "${FUZZ_SECONDS:-20}" "$build-fuzz"
