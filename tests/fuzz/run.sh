#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14, AddressSanitizer and
# UndefinedBehaviorSanitizer (a collector-only configuration in BUILD_DIR, default
# <repo>/build-fuzz) and runs each for SECONDS (default 20) over a copy of its seed corpus
# (tests/fuzz/corpus/NAME; the committed corpus is not changed). Prints each target's execs per
# second; exits 1, keeping the crashing input under BUILD_DIR/fuzz-out/NAME, when a target
# finds a crash, a sanitizer report or a leak. tests/run_all.sh runs it.
#   tests/fuzz/run.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-20}"
build="${2:-$repo/build-fuzz}"
targets=(decode_counts zstd_batch series_block spool_segment http_target histogram_kernel)

cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DACTISCOPE_WITH_TORCH=OFF \
  -DCMAKE_DISABLE_FIND_PACKAGE_Torch=ON -DACTISCOPE_FUZZ=ON > /dev/null
cmake --build "$build" --target "${targets[@]/%/_fuzzer}"

failed=0
for name in "${targets[@]}"; do
  out="$build/fuzz-out/$name"
  rm -rf "$out" && mkdir -p "$out/corpus"
  cp "$repo/tests/fuzz/corpus/$name/"* "$out/corpus/"
  if "$build/tests/fuzz/${name}_fuzzer" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$out/" "$out/corpus" > "$out/log" 2>&1; then
    execs="$(awk '/stat::average_exec_per_sec/ {print $2}' "$out/log")"
    echo "fuzz: ${name}_fuzzer ok, ${seconds} s, ${execs} execs/s"
    grep -m1 'kernel paths' "$out/log" || true
  else
    echo "fuzz: ${name}_fuzzer FAILED; input and log in $out:"
    grep -m5 -E 'ERROR|runtime error|SUMMARY' "$out/log" || tail -5 "$out/log"
    failed=1
  fi
done
exit "$failed"
