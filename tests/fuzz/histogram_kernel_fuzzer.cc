// libFuzzer target: the CPU histogram kernels (client/histogram_kernel.h) against each other and
// against double comparisons with BinEdges(), on hostile layouts and values. Every kernel path
// this processor has (scalar, AVX2, AVX-512) must give the same counts, below, above, zeros,
// nonfinite, min and max as the reference, for float32 and for float16/bfloat16 bit patterns.
//
// Input: a flags byte (bit 0 log-magnitude, bit 1 up to 1,024 bins, bit 2 values taken as bin
// edges nudged by a few ulps rather than raw floats, bit 3 16-bit values, bit 4 bfloat16 rather
// than float16), two bytes of bins, lo and hi as two doubles, one byte of length, then a pool
// of values that is repeated to fill 8,192 to 9,212 values, so that the AVX-512 kernel's bit
// planes (chunks of at least 1,024; carries added per 2,048 values) and every tail length are
// reached. Edge values take 4 bytes: the edge's index (2 bytes), the ulps to nudge it by and its
// sign.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "actiscope/client/histogram.h"
#include "client/histogram_kernel.h"
#include "client/histogram_reference.h"
#include "common/bin_layout.h"

namespace {

using actiscope::BinLayout;
using actiscope::BinScale;
using actiscope::client::HistogramResult;
namespace client = actiscope::client;

// Exact fields equal; min and max may differ only in the sign of a zero.
bool Same(const HistogramResult& a, const HistogramResult& b) {
  return a.counts == b.counts && a.below == b.below && a.above == b.above && a.zeros == b.zeros &&
         a.nonfinite == b.nonfinite && a.elements == b.elements && a.min == b.min && a.max == b.max;
}

float NudgedEdge(const std::vector<double>& edges, uint16_t which, int8_t ulps, bool negate) {
  float f = static_cast<float>(edges[which % edges.size()]);
  const float toward = ulps > 0 ? INFINITY : -INFINITY;
  for (int i = 0; i < std::abs(static_cast<int>(ulps)) % 8; ++i) f = std::nextafter(f, toward);
  return negate ? -f : f;
}

}  // namespace

// Says which kernel paths this processor lets the target compare (tests/fuzz/run.sh shows it).
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  std::fprintf(stderr, "histogram_kernel_fuzzer: kernel paths");
  for (client::KernelPath path : client::kAllKernelPaths) {
    if (client::CpuSupports(path)) std::fprintf(stderr, " %s", client::KernelPathName(path));
  }
  std::fprintf(stderr, "\n");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 20) return 0;
  const uint8_t flags = data[0];
  const uint32_t raw_bins = data[1] | uint32_t{data[2]} << 8;
  double lo, hi;
  std::memcpy(&lo, data + 3, 8);
  std::memcpy(&hi, data + 11, 8);
  const size_t length = 8192 + size_t{data[19]} * 4;
  data += 20;
  size -= 20;
  BinLayout layout;
  layout.scale = (flags & 1) ? BinScale::kLogMagnitude : BinScale::kLinear;
  layout.bins = 1 + raw_bins % ((flags & 2) ? 1024 : 70);
  layout.lo = lo;
  layout.hi = hi;
  if (!actiscope::ValidateLayout(layout).ok()) return 0;
  const std::vector<double> edges = actiscope::BinEdges(layout);

  const bool half = (flags & 8) && (flags & 4) == 0;  // Edges are floats, not bit patterns.
  const size_t item = (flags & 4) ? 4 : half ? 2 : 4;
  const size_t pool_size = size / item;
  if (pool_size == 0) return 0;
  std::vector<float> values(length);
  std::vector<uint16_t> bits(length);
  for (size_t i = 0; i < length; ++i) {
    const uint8_t* v = data + (i % pool_size) * item;
    if (flags & 4) {
      values[i] = NudgedEdge(edges, static_cast<uint16_t>(v[0] | v[1] << 8),
                             static_cast<int8_t>(v[2]), v[3] & 1);
    } else if (half) {
      std::memcpy(&bits[i], v, 2);
    } else {
      std::memcpy(&values[i], v, 4);
    }
  }
  if (half) {  // Convert with the scalar bit-by-bit conversion: the reference sees the same values.
    for (size_t i = 0; i < length; ++i) {
      values[i] =
          (flags & 16) ? client::BFloat16BitsToFloat(bits[i]) : client::HalfBitsToFloat(bits[i]);
    }
  }
  const HistogramResult expected = client::ReferenceHistogram(values, layout);
  const client::HistogramPlan plan(layout);
  for (client::KernelPath path : client::kAllKernelPaths) {
    if (!client::CpuSupports(path)) continue;
    client::HistogramAccumulator acc(plan);
    if (half) {
      if (flags & 16) {
        client::AccumulateBFloat16(path, bits.data(), length, &acc);
      } else {
        client::AccumulateHalf(path, bits.data(), length, &acc);
      }
    } else {
      client::Accumulate(path, values.data(), length, &acc);
    }
    if (!Same(expected, acc.Result())) __builtin_trap();
  }
  return 0;
}
