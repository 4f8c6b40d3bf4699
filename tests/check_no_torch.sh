#!/usr/bin/env bash
# Checks that a build configured with -DACTISCOPE_WITH_TORCH=OFF (a collector-only host) neither
# compiled against a LibTorch header nor linked a LibTorch library, so it builds where
# libtorch-dev is not installed. Exits 1 naming the first offending object or binary.
#   tests/check_no_torch.sh BUILD_DIR
set -euo pipefail
build="$(cd "${1:?usage: tests/check_no_torch.sh BUILD_DIR}" && pwd)"
torch_paths='/(torch|ATen|c10|caffe2)/|libtorch|libc10'

if grep -q 'ACTISCOPE_WITH_TORCH:BOOL=ON' "$build/CMakeCache.txt"; then
  echo "check_no_torch.sh: $build is configured with ACTISCOPE_WITH_TORCH=ON" >&2
  exit 1
fi
# Every header each object was compiled against, as ninja recorded it.
if ninja -C "$build" -t deps | grep -Eq "$torch_paths"; then
  echo "check_no_torch.sh: an object of $build was compiled against LibTorch:" >&2
  ninja -C "$build" -t deps | grep -E "$torch_paths|^[^ ]" | grep -B1 -E "$torch_paths" | head -4 >&2
  exit 1
fi
for binary in "$build/server/actiscope-server" "$build/cli/actiscope"; do
  if [ ! -x "$binary" ]; then
    echo "check_no_torch.sh: $binary was not built" >&2
    exit 1
  fi
  if ldd "$binary" | grep -Eq "$torch_paths"; then
    echo "check_no_torch.sh: $binary links LibTorch" >&2
    exit 1
  fi
done
if [ -e "$build/trainer/actiscope-train" ]; then
  echo "check_no_torch.sh: $build built actiscope-train, which needs LibTorch" >&2
  exit 1
fi
echo "check_no_torch.sh: $build needs no LibTorch"
