// libFuzzer target: the CPU histogram kernels (client/histogram_kernel.h) against each other and
// against double comparisons with BinEdges(), on hostile layouts and values. Every kernel path
// this processor has (scalar, AVX2, AVX-512) must give the same counts, below, above, zeros,
// nonfinite, min and max as the reference, and its sum and sum of squares to rounding, for
// float32 and for float16/bfloat16 bit patterns.
//
// Input: a flags byte (bit 0 log-magnitude, bit 1 up to 1,024 bins, bit 2 values taken as bin
// edges nudged by a few ulps rather than raw floats, bit 3 16-bit values, bit 4 bfloat16 rather
// than float16, bit 5 more than one 65,536-value chunk, bit 6 one NaN at a position the length
// byte picks), two bytes of bins, lo and hi as two doubles, one byte of length, then a pool of
// values that is repeated to fill 8,192 to 9,212 values (bit 5: 65,536 to 69,616), so that the
// AVX-512 kernel's bit planes (chunks of at least 1,024; carries added per 2,048 values), every
// tail length, the read-out at a chunk's end and the exact redo of a chunk holding a NaN are
// reached. Edge values take 4 bytes: the edge's index (2 bytes), the ulps to nudge it by and its
// sign; with bit 3 the edge is rounded to the 16-bit format and nudged by its ulps there.
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

// Sums of doubles in another order agree to n * 2^-53 of the sum of magnitudes; 1e-9 of it is
// far above that and far below any value counted twice or left out.
bool SumsAgree(double a, double b, double magnitude) { return std::abs(a - b) <= 1e-9 * magnitude; }

float NudgedEdge(const std::vector<double>& edges, uint16_t which, int8_t ulps, bool negate) {
  float f = static_cast<float>(edges[which % edges.size()]);
  const float toward = ulps > 0 ? INFINITY : -INFINITY;
  for (int i = 0; i < std::abs(static_cast<int>(ulps)) % 8; ++i) f = std::nextafter(f, toward);
  return negate ? -f : f;
}

// The float16 or bfloat16 pattern of the edge's magnitude rounded up (a binary search over the
// ordered positive patterns), moved by up to 7 patterns and given the edge's sign (or the
// opposite): the edge's neighbours in that format.
uint16_t NudgedEdgeBits(const std::vector<double>& edges, uint16_t which, int8_t ulps, bool negate,
                        bool bfloat16) {
  const double edge = edges[which % edges.size()];
  const auto value = [bfloat16](uint32_t bits) {
    return bfloat16 ? client::BFloat16BitsToFloat(static_cast<uint16_t>(bits))
                    : client::HalfBitsToFloat(static_cast<uint16_t>(bits));
  };
  uint32_t lo = 0, hi = bfloat16 ? 0x7f80 : 0x7c00;  // Zero and +infinity.
  while (lo < hi) {
    const uint32_t mid = (lo + hi) / 2;
    if (value(mid) < std::abs(edge)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const int nudged = std::clamp(static_cast<int>(lo) + static_cast<int>(ulps) % 8, 0, 0x7fff);
  const bool negative = (edge < 0) != negate;
  return static_cast<uint16_t>(nudged | (negative ? 0x8000 : 0));
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
  const uint8_t length_byte = data[19];
  const size_t length =
      (flags & 32) ? 65536 + size_t{length_byte} * 16 : 8192 + size_t{length_byte} * 4;
  data += 20;
  size -= 20;
  BinLayout layout;
  layout.scale = (flags & 1) ? BinScale::kLogMagnitude : BinScale::kLinear;
  layout.bins = 1 + raw_bins % ((flags & 2) ? 1024 : 70);
  layout.lo = lo;
  layout.hi = hi;
  if (!actiscope::ValidateLayout(layout).ok()) return 0;
  const std::vector<double> edges = actiscope::BinEdges(layout);

  const bool half = (flags & 8) != 0;
  const size_t item = (flags & 4) ? 4 : half ? 2 : 4;
  const size_t pool_size = size / item;
  if (pool_size == 0) return 0;
  std::vector<float> values(length);
  std::vector<uint16_t> bits(length);
  for (size_t i = 0; i < length; ++i) {
    const uint8_t* v = data + (i % pool_size) * item;
    const auto edge = static_cast<uint16_t>(v[0] | v[1] << 8);
    if ((flags & 4) && half) {
      bits[i] = NudgedEdgeBits(edges, edge, static_cast<int8_t>(v[2]), v[3] & 1, flags & 16);
    } else if (flags & 4) {
      values[i] = NudgedEdge(edges, edge, static_cast<int8_t>(v[2]), v[3] & 1);
    } else if (half) {
      std::memcpy(&bits[i], v, 2);
    } else {
      std::memcpy(&values[i], v, 4);
    }
  }
  if (flags & 64) {  // One NaN: with bit 5, in one chunk and not the other.
    const size_t at = size_t{length_byte} * 409 % length;
    values[at] = NAN;
    bits[at] = (flags & 16) ? 0x7fc0 : 0x7e00;
  }
  if (half) {  // Convert with the scalar bit-by-bit conversion: the reference sees the same values.
    for (size_t i = 0; i < length; ++i) {
      values[i] =
          (flags & 16) ? client::BFloat16BitsToFloat(bits[i]) : client::HalfBitsToFloat(bits[i]);
    }
  }
  const HistogramResult expected = client::ReferenceHistogram(values, layout);
  double magnitude = 0, square_magnitude = 0;
  for (float v : values) {
    if (std::isfinite(v)) {
      magnitude += std::abs(v);
      square_magnitude += static_cast<double>(v) * v;
    }
  }
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
    const HistogramResult got = acc.Result();
    if (!Same(expected, got)) __builtin_trap();
    if (!SumsAgree(expected.sum, got.sum, magnitude) ||
        !SumsAgree(expected.sum_squares, got.sum_squares, square_magnitude)) {
      __builtin_trap();
    }
  }
  return 0;
}
