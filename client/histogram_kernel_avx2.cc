// The AVX2 + FMA histogram kernel, compiled for that target only and chosen at run time
// (CpuHasAvx2). Per 8 floats: one vector pass computes the slot estimate, the finite mask,
// zeros, min/max and double sums; slot counts are incremented into four interleaved 32-bit
// sub-histograms (to break store-to-load dependencies on repeated bins); lanes near a bin
// edge are corrected with ExactSlot.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "client/histogram_kernel.h"

namespace actiscope::client {
namespace {

constexpr int kLanes = 8;
constexpr int kSubHistograms = 4;
// Elements per flush of the 32-bit sub-histograms into the 64-bit slots.
constexpr size_t kFlushEvery = size_t{1} << 30;

__attribute__((target("avx2,fma"))) inline __m256 Log2Approx(__m256 ax, const Log2Poly& p) {
  const __m256i bits = _mm256_castps_si256(ax);
  const __m256 exponent = _mm256_cvtepi32_ps(
      _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  const __m256 u = _mm256_sub_ps(
      _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x7fffff)),
                                          _mm256_set1_epi32(0x3f800000))),
      _mm256_set1_ps(1.0f));
  __m256 poly = _mm256_set1_ps(p.c[5]);
  for (int i = 4; i >= 0; --i) poly = _mm256_fmadd_ps(poly, u, _mm256_set1_ps(p.c[i]));
  return _mm256_add_ps(exponent, poly);
}

}  // namespace

__attribute__((target("avx2,fma"))) void AccumulateAvx2(const float* values, size_t n,
                                                        HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  const Log2Poly& poly = Log2Approximation();
  const size_t stride = plan.bins + 3;
  std::vector<uint32_t> sub(kSubHistograms * stride, 0);
  const bool log_scale = plan.log_scale;

  const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
  const __m256 inf = _mm256_set1_ps(std::numeric_limits<float>::infinity());
  const __m256 neg_inf = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256 zero = _mm256_setzero_ps();
  const __m256 origin = _mm256_set1_ps(plan.origin);
  const __m256 scale = _mm256_set1_ps(plan.scale);
  const __m256 minus_one = _mm256_set1_ps(-1.0f);
  const __m256 top = _mm256_set1_ps(static_cast<float>(plan.bins));
  const __m256 window_lo = _mm256_set1_ps(-1.5f);
  const __m256 window_hi = _mm256_set1_ps(static_cast<float>(plan.bins) + 1.5f);
  const __m256 near_lo = _mm256_set1_ps(plan.near_edge);
  const __m256 near_hi = _mm256_set1_ps(1.0f - plan.near_edge);
  const __m256 smallest_normal = _mm256_set1_ps(std::numeric_limits<float>::min());
  const __m256 first_edge = _mm256_set1_ps(plan.edges[1]);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i nonfinite_slot = _mm256_set1_epi32(static_cast<int>(plan.bins) + 2);

  __m256 vmin = inf, vmax = neg_inf;
  __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
  __m256d sq0 = _mm256_setzero_pd(), sq1 = _mm256_setzero_pd();
  uint64_t zeros = 0;
  alignas(32) int32_t slot[kLanes];

  auto flush = [&] {
    for (size_t s = 0; s < stride; ++s) {
      for (int k = 0; k < kSubHistograms; ++k) acc->slots[s] += sub[k * stride + s];
    }
    std::fill(sub.begin(), sub.end(), 0);
  };

  uint32_t* const h0 = sub.data();
  uint32_t* const h1 = h0 + stride;
  uint32_t* const h2 = h1 + stride;
  uint32_t* const h3 = h2 + stride;
  size_t i = 0;
  size_t since_flush = 0;
  for (; i + kLanes <= n; i += kLanes) {
    const __m256 x = _mm256_loadu_ps(values + i);
    const __m256 ax = _mm256_and_ps(x, abs_mask);
    const __m256 finite = _mm256_cmp_ps(ax, inf, _CMP_LT_OQ);
    const __m256 is_zero = _mm256_cmp_ps(x, zero, _CMP_EQ_OQ);
    zeros += static_cast<uint64_t>(__builtin_popcount(_mm256_movemask_ps(is_zero)));
    vmin = _mm256_min_ps(vmin, _mm256_blendv_ps(inf, x, finite));
    vmax = _mm256_max_ps(vmax, _mm256_blendv_ps(neg_inf, x, finite));
    const __m256 xf = _mm256_and_ps(x, finite);
    const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(xf));
    const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(xf, 1));
    sum0 = _mm256_add_pd(sum0, d0);
    sum1 = _mm256_add_pd(sum1, d1);
    sq0 = _mm256_fmadd_pd(d0, d0, sq0);
    sq1 = _mm256_fmadd_pd(d1, d1, sq1);

    const __m256 v = log_scale ? Log2Approx(ax, poly) : x;
    const __m256 t = _mm256_mul_ps(_mm256_sub_ps(v, origin), scale);
    const __m256 clamped = _mm256_min_ps(_mm256_max_ps(t, minus_one), top);
    const __m256 floored = _mm256_floor_ps(clamped);
    __m256i s = _mm256_add_epi32(_mm256_cvttps_epi32(floored), one);
    const __m256 frac = _mm256_sub_ps(clamped, floored);
    __m256 near = _mm256_or_ps(_mm256_cmp_ps(frac, near_lo, _CMP_LT_OQ),
                               _mm256_cmp_ps(frac, near_hi, _CMP_GT_OQ));
    near = _mm256_and_ps(near, _mm256_and_ps(_mm256_cmp_ps(t, window_lo, _CMP_GE_OQ),
                                             _mm256_cmp_ps(t, window_hi, _CMP_LT_OQ)));
    if (log_scale) {
      // Zeros belong below; denormals are outside the approximation's domain.
      s = _mm256_andnot_si256(_mm256_castps_si256(is_zero), s);
      near = _mm256_andnot_ps(is_zero, near);
      near = _mm256_or_ps(near, _mm256_andnot_ps(is_zero, _mm256_cmp_ps(ax, smallest_normal,
                                                                        _CMP_LT_OQ)));
    } else {
      near = _mm256_andnot_ps(_mm256_cmp_ps(x, first_edge, _CMP_EQ_OQ), near);
    }
    near = _mm256_and_ps(near, finite);
    s = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(nonfinite_slot),
                                             _mm256_castsi256_ps(s), finite));
    _mm256_store_si256(reinterpret_cast<__m256i*>(slot), s);
    int near_lanes = _mm256_movemask_ps(near);
    while (near_lanes != 0) {
      const int lane = __builtin_ctz(near_lanes);
      near_lanes &= near_lanes - 1;
      slot[lane] = static_cast<int32_t>(ExactSlot(plan, values[i + lane], slot[lane]));
    }
    ++h0[slot[0]];
    ++h1[slot[1]];
    ++h2[slot[2]];
    ++h3[slot[3]];
    ++h0[slot[4]];
    ++h1[slot[5]];
    ++h2[slot[6]];
    ++h3[slot[7]];
    since_flush += kLanes;
    if (since_flush >= kFlushEvery) {
      flush();
      since_flush = 0;
    }
  }
  flush();

  alignas(32) float lanes[kLanes];
  _mm256_store_ps(lanes, vmin);
  for (float f : lanes) acc->min = std::min(acc->min, f);
  _mm256_store_ps(lanes, vmax);
  for (float f : lanes) acc->max = std::max(acc->max, f);
  alignas(32) double d[4];
  _mm256_store_pd(d, _mm256_add_pd(sum0, sum1));
  acc->sum += (d[0] + d[1]) + (d[2] + d[3]);
  _mm256_store_pd(d, _mm256_add_pd(sq0, sq1));
  acc->sum_squares += (d[0] + d[1]) + (d[2] + d[3]);
  acc->zeros += zeros;
  if (i < n) AccumulateScalar(values + i, n - i, acc);
}

}  // namespace actiscope::client
