// The AVX-512 histogram kernel (F, BW, DQ, VL), compiled for that target only and chosen at
// run time (CpuSupports(KernelPath::kAvx512)).
//
// The same scheme as the AVX2 kernel, 16 lanes at a time: within a chunk the fast loop assumes
// every value is finite, computes the slot estimate, min/max, double sums and zeros, and
// counts slots. A vector with a lane near a bin edge (or, log-magnitude, a denormal lane) is
// deferred to the exact scalar kernel; a chunk whose sum comes out non-finite held NaN or Inf
// and is redone by the scalar kernel.
//
// What AVX-512 changes besides the width, for layouts of up to kMaxPairBins bins (the common
// case) and chunks of at least kMinPairChunk values: the slot estimate is clamped so that its
// truncation is the slot with no integer clamp, it is computed in fixed point (the slot a
// shift, the near-edge test an integer compare), two values are counted per memory increment
// in a table of slot pairs, comparisons go to mask registers, and log2 takes the exponent and
// mantissa from VGETEXPPS/VGETMANTPS, which give the AVX2 kernel's values bit for bit on
// normal floats. Wider layouts and shorter chunks go to the AVX2 kernel, which is faster there
// on the processors measured (client_kernel_bench), as are its float16 and bfloat16
// conversions.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "client/histogram_kernel.h"

// GCC 12's AVX-512 intrinsics start many results from _mm512_undefined_*(), which it then
// reports as used uninitialized once inlined (a known false positive, GCC bug 105593).
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define ACTISCOPE_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma")))

namespace actiscope::client {
namespace {

constexpr int kLanes = 16;
constexpr size_t kChunk = size_t{1} << 16;  // Elements; also bounds the 32-bit counts.

// log2(ax) for a normal positive ax, exactly as the AVX2 kernel's Log2Approx computes it.
ACTISCOPE_AVX512 inline __m512 Log2Approx(__m512 ax, const Log2Poly& p) {
  const __m512 exponent = _mm512_getexp_ps(ax);
  const __m512 u = _mm512_sub_ps(_mm512_getmant_ps(ax, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero),
                                 _mm512_set1_ps(1.0f));
  __m512 poly = _mm512_set1_ps(p.c[5]);
  for (int i = 4; i >= 0; --i) poly = _mm512_fmadd_ps(poly, u, _mm512_set1_ps(p.c[i]));
  return _mm512_add_ps(exponent, poly);
}

// The fast loop for layouts of at most kMaxPairBins bins, in fixed point and counting pairs.
//
// Fixed point: the slot estimate plus kFixedBias, y = t * scale - (offset - kFixedBias), lies
// in [kFixedBias, 2 kFixedBias) after the clamp, where a float's ulp is 2^-16: the low 16 bits
// of y are the estimate's fraction and the next ones its slot, so the slot is a shift and the
// near-edge test an integer compare (cheaper than VREDUCEPS and a float compare). Rounding y
// to that grid moves it by at most 2^-17, and the biased offset by as much: the test widens
// plan.near_edge by 2^-15 to cover both.
//
// Pairs: lanes 2j and 2j + 1 are counted as one entry of a table indexed by
// low | high << kPairShift, so that one memory increment counts two values (the loop is bound
// by its memory operations); the caller folds the table into slots per chunk.
constexpr int kPairShift = 6;
constexpr size_t kPairTable = size_t{1} << (2 * kPairShift);
constexpr uint32_t kMaxPairBins = (1u << kPairShift) - 2;  // Slots 0 .. bins + 1 fit.
constexpr float kFixedBias = 128.0f;  // > kMaxPairBins + 2, a power of two: ulp 2^-16.
// Shorter chunks count singles: zeroing and folding the pair table costs more than it saves
// below about 8k values (client_kernel_bench at 2k, 8k and 32k elements).
constexpr size_t kMinPairChunk = 8192;

template <bool kLog>
ACTISCOPE_AVX512 void FastChunkPairs(const HistogramPlan& plan, const float* values, size_t n,
                                     uint32_t* pair_counts, ChunkStats* stats,
                                     std::vector<uint32_t>* deferred) {
  const Log2Poly& poly = Log2Approximation();
  const __m512 scale = _mm512_set1_ps(plan.scale);
  const __m512 offset = _mm512_set1_ps(
      static_cast<float>(static_cast<double>(plan.origin) * plan.scale - 1.0 - kFixedBias));
  const __m512 window_lo = _mm512_set1_ps(kFixedBias + 0.5f);
  const __m512 window_hi = _mm512_set1_ps(kFixedBias + static_cast<float>(plan.bins) + 1.5f);
  const int32_t near = static_cast<int32_t>(std::ceil((plan.near_edge + 0x1p-15) * 0x1p16));
  const __m512i near_bias = _mm512_set1_epi32(near);
  const __m512i near_window = _mm512_set1_epi32(2 * near);
  const __m512i fraction_bits = _mm512_set1_epi32(0xffff);
  const __m512i slot_bits = _mm512_set1_epi32((1 << kPairShift) - 1);
  const __m512 smallest_normal = _mm512_set1_ps(std::numeric_limits<float>::min());
  const __m512 zero = _mm512_setzero_ps();
  const __m512i zero_slot = _mm512_set1_epi32(static_cast<int>(ExactSlot(plan, 0.0f, 0)));

  __m512 vmin = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
  __m512d sq0 = _mm512_setzero_pd(), sq1 = _mm512_setzero_pd();
  uint64_t zeros = 0;
  alignas(32) uint32_t pair_index[kLanes / 2];
  for (size_t i = 0; i < n; i += kLanes) {
    const __m512 x = _mm512_loadu_ps(values + i);
    const __m512 ax = _mm512_abs_ps(x);
    const __m512 t = kLog ? Log2Approx(ax, poly) : x;
    // max(y, lo) puts lo in a NaN lane (a NaN lane's chunk is redone, but must index safely).
    const __m512i y = _mm512_castps_si512(
        _mm512_min_ps(_mm512_max_ps(_mm512_fmsub_ps(t, scale, offset), window_lo), window_hi));
    const __mmask16 is_zero = _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ);
    // A fraction within `near` of 0 or 1: (fraction + near) mod 2^16 < 2 near.
    __mmask16 near_mask = _mm512_cmplt_epu32_mask(
        _mm512_and_si512(_mm512_add_epi32(y, near_bias), fraction_bits), near_window);
    if (kLog) near_mask |= _mm512_cmp_ps_mask(ax, smallest_normal, _CMP_LT_OQ);  // Denormals.
    if ((near_mask & ~is_zero) != 0) {
      deferred->push_back(static_cast<uint32_t>(i));
      continue;
    }
    vmin = _mm512_min_ps(vmin, x);
    vmax = _mm512_max_ps(vmax, x);
    const __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
    const __m512d d1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
    sum0 = _mm512_add_pd(sum0, d0);
    sum1 = _mm512_add_pd(sum1, d1);
    sq0 = _mm512_fmadd_pd(d0, d0, sq0);
    sq1 = _mm512_fmadd_pd(d1, d1, sq1);
    zeros += static_cast<uint32_t>(__builtin_popcount(is_zero));
    const __m512i s = _mm512_mask_mov_epi32(_mm512_and_si512(_mm512_srli_epi32(y, 16), slot_bits),
                                            is_zero, zero_slot);
    // Each 64-bit lane holds high << 32 | low; shifting it right by 32 - kPairShift leaves
    // high << kPairShift in the low half (low < 1 << kPairShift shifts out).
    const __m512i pair = _mm512_or_si512(s, _mm512_srli_epi64(s, 32 - kPairShift));
    const __m256i index = _mm512_cvtepi64_epi32(pair);
    _mm256_store_si256(reinterpret_cast<__m256i*>(pair_index), index);
    ++pair_counts[pair_index[0]];
    ++pair_counts[pair_index[1]];
    ++pair_counts[pair_index[2]];
    ++pair_counts[pair_index[3]];
    ++pair_counts[pair_index[4]];
    ++pair_counts[pair_index[5]];
    ++pair_counts[pair_index[6]];
    ++pair_counts[pair_index[7]];
  }
  stats->min = std::min(stats->min, _mm512_reduce_min_ps(vmin));
  stats->max = std::max(stats->max, _mm512_reduce_max_ps(vmax));
  stats->sum += _mm512_reduce_add_pd(_mm512_add_pd(sum0, sum1));
  stats->sum_squares += _mm512_reduce_add_pd(_mm512_add_pd(sq0, sq1));
  stats->zeros += zeros;
}

}  // namespace

void AccumulateAvx512(const float* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  if (plan.exact_only) {
    AccumulateScalar(values, n, acc);
    return;
  }
  if (plan.bins > kMaxPairBins) {
    AccumulateAvx2(values, n, acc);
    return;
  }
  // The fast loop makes slots 0 .. bins + 1 (nonfinite values are redone by the scalar kernel).
  const size_t used = plan.bins + 2;
  std::vector<uint32_t>& pair_counts = acc->scratch_counts;
  std::vector<uint32_t>& deferred = acc->scratch_deferred;
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t length = std::min(kChunk, n - start);
    const float* chunk = values + start;
    if (length < kMinPairChunk) {
      AccumulateAvx2(chunk, length, acc);
      continue;
    }
    const size_t vector_length = length - length % kLanes;
    pair_counts.resize(kPairTable);
    std::fill(pair_counts.begin(), pair_counts.begin() + static_cast<ptrdiff_t>(used << kPairShift),
              0);
    deferred.clear();
    ChunkStats stats;
    if (plan.log_scale) {
      FastChunkPairs<true>(plan, chunk, vector_length, pair_counts.data(), &stats, &deferred);
    } else {
      FastChunkPairs<false>(plan, chunk, vector_length, pair_counts.data(), &stats, &deferred);
    }
    if (!std::isfinite(stats.sum) || !std::isfinite(stats.sum_squares)) {
      AccumulateScalar(chunk, length, acc);  // Holds NaN or Inf (see the file comment).
      continue;
    }
    for (size_t high = 0; high < used; ++high) {
      const uint32_t* row = pair_counts.data() + (high << kPairShift);
      for (size_t low = 0; low < used; ++low) {
        acc->slots[high] += row[low];
        acc->slots[low] += row[low];
      }
    }
    stats.AddTo(acc);
    for (uint32_t offset : deferred) AccumulateScalar(chunk + offset, kLanes, acc);
    AccumulateScalar(chunk + vector_length, length - vector_length, acc);
  }
}

}  // namespace actiscope::client
