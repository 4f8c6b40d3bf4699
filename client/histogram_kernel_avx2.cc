// The AVX2 + FMA histogram kernel, compiled for that target only and chosen at run time
// (CpuSupports(KernelPath::kAvx2)).
//
// The input is processed in chunks. Within a chunk the fast loop assumes every value is
// finite: per 8 floats it computes the slot estimate, min/max, double sums and zeros, and
// increments four interleaved 32-bit sub-histograms (which breaks store-to-load dependencies
// on repeated bins). A vector with a lane near a bin edge is deferred and later binned by the
// exact scalar kernel. A non-finite value makes the chunk's sum non-finite; such a chunk is
// discarded and redone by the scalar kernel, so NaN/Inf cost nothing when absent.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "client/histogram_kernel.h"

namespace actiscope::client {
namespace {

constexpr int kLanes = 8;
constexpr int kSubHistograms = 4;
constexpr size_t kChunk = size_t{1} << 16;  // Elements; also bounds the 32-bit counts.

__attribute__((target("avx2,fma"))) inline __m256 Log2Approx(__m256 ax, const Log2Poly& p) {
  const __m256i bits = _mm256_castps_si256(ax);
  const __m256 exponent =
      _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  const __m256 u = _mm256_sub_ps(
      _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)),
                                          _mm256_set1_epi32(0x3f800000))),
      _mm256_set1_ps(1.0f));
  __m256 poly = _mm256_set1_ps(p.c[5]);
  for (int i = 4; i >= 0; --i) poly = _mm256_fmadd_ps(poly, u, _mm256_set1_ps(p.c[i]));
  return _mm256_add_ps(exponent, poly);
}

// The fast loop over n (a multiple of 8) values: see the file comment. Appends the offsets of
// deferred vectors to `deferred`.
template <bool kLog>
__attribute__((target("avx2,fma"))) void FastChunk(const HistogramPlan& plan, const float* values,
                                                   size_t n, uint32_t* sub, ChunkStats* stats,
                                                   std::vector<uint32_t>* deferred) {
  const size_t stride = plan.bins + 3;
  uint32_t* const h0 = sub;
  uint32_t* const h1 = h0 + stride;
  uint32_t* const h2 = h1 + stride;
  uint32_t* const h3 = h2 + stride;
  const Log2Poly& poly = Log2Approximation();
  // u = t * scale - offset is the slot estimate plus a fraction; u in [1, bins + 1) is a bin.
  const __m256 scale = _mm256_set1_ps(plan.scale);
  const __m256 offset = _mm256_set1_ps(plan.origin * plan.scale - 1.0f);
  const __m256 window_lo = _mm256_set1_ps(-0.5f);
  const __m256 window_hi = _mm256_set1_ps(static_cast<float>(plan.bins) + 2.5f);
  const __m256 half = _mm256_set1_ps(0.5f);
  const __m256 far_from_edge = _mm256_set1_ps(0.5f - plan.near_edge);
  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 zero = _mm256_setzero_ps();
  const __m256i top_slot = _mm256_set1_epi32(static_cast<int>(plan.bins) + 1);
  const __m256i zero_slot = _mm256_set1_epi32(static_cast<int>(ExactSlot(plan, 0.0f, 0)));

  __m256 vmin = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
  __m256d sq0 = _mm256_setzero_pd(), sq1 = _mm256_setzero_pd();
  __m256i zeros = _mm256_setzero_si256();
  alignas(32) int32_t slot[kLanes];
  for (size_t i = 0; i < n; i += kLanes) {
    const __m256 x = _mm256_loadu_ps(values + i);
    const __m256 t = kLog ? Log2Approx(_mm256_and_ps(x, abs_mask), poly) : x;
    const __m256 u =
        _mm256_min_ps(_mm256_max_ps(_mm256_fmsub_ps(t, scale, offset), window_lo), window_hi);
    const __m256 floored = _mm256_floor_ps(u);
    const __m256 is_zero = _mm256_cmp_ps(x, zero, _CMP_EQ_OQ);
    const __m256 centered = _mm256_and_ps(_mm256_sub_ps(_mm256_sub_ps(u, floored), half), abs_mask);
    __m256 near = _mm256_cmp_ps(centered, far_from_edge, _CMP_GT_OQ);
    if (kLog) {  // Denormals are outside the approximation's domain.
      near = _mm256_or_ps(
          near, _mm256_cmp_ps(_mm256_and_ps(x, abs_mask),
                              _mm256_set1_ps(std::numeric_limits<float>::min()), _CMP_LT_OQ));
    }
    if (_mm256_movemask_ps(_mm256_andnot_ps(is_zero, near)) != 0) {
      deferred->push_back(static_cast<uint32_t>(i));
      continue;
    }
    vmin = _mm256_min_ps(vmin, x);
    vmax = _mm256_max_ps(vmax, x);
    const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
    const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    sum0 = _mm256_add_pd(sum0, d0);
    sum1 = _mm256_add_pd(sum1, d1);
    sq0 = _mm256_fmadd_pd(d0, d0, sq0);
    sq1 = _mm256_fmadd_pd(d1, d1, sq1);
    zeros = _mm256_sub_epi32(zeros, _mm256_castps_si256(is_zero));
    __m256i s = _mm256_cvttps_epi32(floored);
    s = _mm256_min_epi32(_mm256_max_epi32(s, _mm256_setzero_si256()), top_slot);
    s = _mm256_castps_si256(
        _mm256_blendv_ps(_mm256_castsi256_ps(s), _mm256_castsi256_ps(zero_slot), is_zero));
    _mm256_store_si256(reinterpret_cast<__m256i*>(slot), s);
    const int32_t s0 = slot[0], s1 = slot[1], s2 = slot[2], s3 = slot[3];
    const int32_t s4 = slot[4], s5 = slot[5], s6 = slot[6], s7 = slot[7];
    ++h0[s0];
    ++h1[s1];
    ++h2[s2];
    ++h3[s3];
    ++h0[s4];
    ++h1[s5];
    ++h2[s6];
    ++h3[s7];
  }
  alignas(32) float lanes[kLanes];
  _mm256_store_ps(lanes, vmin);
  for (float f : lanes) stats->min = std::min(stats->min, f);
  _mm256_store_ps(lanes, vmax);
  for (float f : lanes) stats->max = std::max(stats->max, f);
  alignas(32) double d[4];
  _mm256_store_pd(d, _mm256_add_pd(sum0, sum1));
  stats->sum += (d[0] + d[1]) + (d[2] + d[3]);
  _mm256_store_pd(d, _mm256_add_pd(sq0, sq1));
  stats->sum_squares += (d[0] + d[1]) + (d[2] + d[3]);
  alignas(32) int32_t z[kLanes];
  _mm256_store_si256(reinterpret_cast<__m256i*>(z), zeros);
  for (int32_t c : z) stats->zeros += static_cast<uint32_t>(c);
}

}  // namespace

__attribute__((target("avx2,f16c"))) void HalfToFloatAvx2(const uint16_t* in, size_t n,
                                                          float* out) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m128i half = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(half));
  }
  for (; i < n; ++i) out[i] = _cvtsh_ss(in[i]);
}

__attribute__((target("avx2"))) void BFloat16ToFloatAvx2(const uint16_t* in, size_t n, float* out) {
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i),
                        _mm256_slli_epi32(_mm256_cvtepu16_epi32(b), 16));
  }
  for (; i < n; ++i) out[i] = BFloat16BitsToFloat(in[i]);
}

void AccumulateAvx2(const float* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  const size_t stride = plan.bins + 3;
  std::vector<uint32_t>& sub = acc->scratch_counts;
  sub.resize(kSubHistograms * stride);
  std::vector<uint32_t>& deferred = acc->scratch_deferred;
  const size_t vector_end = n - n % kLanes;
  for (size_t start = 0; start < vector_end; start += kChunk) {
    const size_t length = std::min(kChunk, vector_end - start);
    const float* chunk = values + start;
    std::fill(sub.begin(), sub.end(), 0);
    deferred.clear();
    ChunkStats stats;
    if (plan.log_scale) {
      FastChunk<true>(plan, chunk, length, sub.data(), &stats, &deferred);
    } else {
      FastChunk<false>(plan, chunk, length, sub.data(), &stats, &deferred);
    }
    if (!std::isfinite(stats.sum) || !std::isfinite(stats.sum_squares)) {
      AccumulateScalar(chunk, length, acc);  // Holds NaN or Inf (see the file comment).
      continue;
    }
    for (size_t s = 0; s < stride; ++s) {
      acc->slots[s] +=
          uint64_t{sub[s]} + sub[stride + s] + sub[2 * stride + s] + sub[3 * stride + s];
    }
    stats.AddTo(acc);
    for (uint32_t offset : deferred) AccumulateScalar(chunk + offset, kLanes, acc);
  }
  AccumulateScalar(values + vector_end, n - vector_end, acc);
}

}  // namespace actiscope::client
