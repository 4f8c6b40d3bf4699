// The AVX-512 histogram kernel (F, BW, DQ, VL), compiled for that target only and chosen at
// run time (CpuSupports(KernelPath::kAvx512)).
//
// The AVX2 kernel's scheme, 16 lanes at a time: within a chunk the fast loop assumes every
// value is finite, computes the slot estimate, min/max, double sums and zeros, corrects the
// slots of lanes near a bin edge and counts slots; a chunk whose sum comes out non-finite held
// NaN or Inf and is redone by the scalar kernel. (Both kernels used to defer a whole vector
// with a lane near an edge to the scalar kernel: that cost about a tenth of the loop's time
// for linear layouts and a third for log-magnitude ones, client_kernel_bench.)
//
// What AVX-512 changes besides the width, for layouts of up to kMaxPairBins bins (the common case)
// and chunks of at least kMinPairChunk values: the slot estimate is clamped so that its truncation
// is the slot with no integer clamp, it is computed in fixed point (the slot a byte, the
// near-edge test one bit test), a near lane's slot is corrected in registers by one comparison,
// two values are counted per memory increment in a table of slot pairs, comparisons go to mask
// registers, and log2 takes the exponent and mantissa from VGETEXPPS/VGETMANTPS, which give
// the AVX2 kernel's values bit for bit on normal floats and, unlike its bit fields, normalize
// denormals, so that these need no exact fallback (a test layout has denormal edges). Wider
// layouts and shorter chunks go to the AVX2 kernel, which is faster there on the processors
// measured (client_kernel_bench), as are its float16 and bfloat16 conversions.
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

// log2(|x|) for a nonzero x, exactly as the AVX2 kernel's Log2Approx computes it for normal
// floats: VGETEXPPS and VGETMANTPS (sign cleared) read |x|, so no absolute value is needed.
ACTISCOPE_AVX512 inline __m512 Log2Approx(__m512 x, const Log2Poly& p) {
  const __m512 exponent = _mm512_getexp_ps(x);
  const __m512 u = _mm512_sub_ps(_mm512_getmant_ps(x, _MM_MANT_NORM_1_2, _MM_MANT_SIGN_zero),
                                 _mm512_set1_ps(1.0f));
  __m512 poly = _mm512_set1_ps(p.c[5]);
  for (int i = 4; i >= 0; --i) poly = _mm512_fmadd_ps(poly, u, _mm512_set1_ps(p.c[i]));
  return _mm512_add_ps(exponent, poly);
}

// The fast loop for layouts of at most kMaxPairBins bins, in fixed point and counting pairs.
//
// Fixed point: the slot estimate plus kFixedBias, y = t * scale - (offset - kFixedBias), lies
// in [kFixedBias, kFixedBias + 64) after the clamp, where a float's ulp is 2^-16: the low 16
// bits of y are the estimate's fraction and bits 16..23 its slot (bit 22 is clear below
// kFixedBias + 64 and bit 23, the exponent's lowest, is clear in [128, 256)), so the slot is
// byte 2 of y. Rounding y to that grid moves it by at most 2^-17, and the biased offset by as
// much: the near-edge margin widens plan.near_edge by 2^-15 to cover both, and is then rounded
// up to half a power of two, `near` ulps. The offset is lowered by `near` ulps, so y holds
// the estimate plus `near` ulps: a lane is near an edge when its fraction is under 2 near
// ulps, one VPTESTNMD against the bits above them, and every other lane's fraction did not
// carry into its slot. A near lane's exact position lies within 2 near ulps of its integer
// part K, so its slot is K's or the one below: it is corrected by one comparison with its
// estimated slot's lower edge, looked up in registers (LowerEdge).
//
// Pairs: lanes 2j and 2j + 1 are counted as one entry of a table indexed by
// low | high << kPairShift, so that one memory increment counts two values (the loop is bound
// by its memory operations); the slots are packed to bytes (VPMOVDB) and paired by one
// multiply-add of adjacent bytes (VPMADDUBSW by 1 and 2^kPairShift). The caller folds the
// table into slots per chunk.
constexpr int kPairShift = 6;
constexpr size_t kPairTable = size_t{1} << (2 * kPairShift);
constexpr uint32_t kMaxPairBins = (1u << kPairShift) - 2;  // Slots 0 .. bins + 1 fit.
constexpr float kFixedBias = 128.0f;  // A power of two, with kMaxPairBins + 2 <= 64.
// Shorter chunks go to the AVX2 kernel: zeroing and folding the pair table costs more than it
// saves below about 8k values (client_kernel_bench at 2k, 8k and 32k elements).
constexpr size_t kMinPairChunk = 8192;

// The near-edge margin in ulps of 2^-16, a power of two so that the test is one bit test.
int32_t NearEdgeUlps(const HistogramPlan& plan) {
  const auto needed = static_cast<int32_t>(std::ceil((plan.near_edge + 0x1p-15) * 0x1p16));
  int32_t near = 1;
  while (near < needed) near *= 2;
  return near;
}

// The lower edges of slots 0 .. 63 (plan.edges, +inf past its end) in four registers, looked
// up by slot in registers: two two-table permutes and a blend on the slot's bit 5.
struct EdgeTable {
  __m512 part[4];
};

ACTISCOPE_AVX512 EdgeTable LoadEdgeTable(const HistogramPlan& plan) {
  alignas(64) float edge[4 * kLanes];
  for (size_t s = 0; s < 4 * kLanes; ++s) {
    edge[s] = s < plan.edges.size() ? plan.edges[s] : std::numeric_limits<float>::infinity();
  }
  EdgeTable table;
  for (int k = 0; k < 4; ++k) table.part[k] = _mm512_load_ps(edge + k * kLanes);
  return table;
}

ACTISCOPE_AVX512 inline __m512 LowerEdge(const EdgeTable& table, __m512i slot) {
  const __m512 low = _mm512_permutex2var_ps(table.part[0], slot, table.part[1]);
  const __m512 high = _mm512_permutex2var_ps(table.part[2], slot, table.part[3]);
  return _mm512_mask_blend_ps(_mm512_test_epi32_mask(slot, _mm512_set1_epi32(32)), low, high);
}

// Adds a chunk's pair table to the slots: entry (low, high) counts one value in each. Row sums
// and column sums (each under 2^32: a chunk holds kChunk values) in separate arrays, so that
// the compiler vectorizes the inner loop.
ACTISCOPE_AVX512 void FoldPairs(const uint32_t* pair_counts, size_t used,
                                HistogramAccumulator* acc) {
  alignas(64) uint32_t column[1 << kPairShift] = {};
  for (size_t high = 0; high < used; ++high) {
    const uint32_t* row = pair_counts + (high << kPairShift);
    uint32_t row_sum = 0;
    for (size_t low = 0; low < used; ++low) {
      column[low] += row[low];
      row_sum += row[low];
    }
    acc->slots[high] += row_sum;
  }
  for (size_t low = 0; low < used; ++low) acc->slots[low] += column[low];
}

template <KernelInput kInput>
ACTISCOPE_AVX512 inline __m512 LoadFloats(const KernelInputType<kInput>* p) {
  if constexpr (kInput == KernelInput::kFloat) {
    return _mm512_loadu_ps(p);
  } else {
    const __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (kInput == KernelInput::kHalf) return _mm512_cvtph_ps(bits);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
  }
}

template <bool kLog, KernelInput kInput>
ACTISCOPE_AVX512 void FastChunkPairs(const HistogramPlan& plan,
                                     const KernelInputType<kInput>* values, size_t n,
                                     uint32_t* pair_counts, ChunkStats* stats) {
  const Log2Poly& poly = Log2Approximation();
  const int32_t near = NearEdgeUlps(plan);
  const __m512 scale = _mm512_set1_ps(plan.scale);
  const __m512 offset = _mm512_set1_ps(static_cast<float>(
      static_cast<double>(plan.origin) * plan.scale - 1.0 - kFixedBias - near * 0x1p-16));
  const __m512 window_lo = _mm512_set1_ps(kFixedBias + 0.5f);
  const __m512 window_hi = _mm512_set1_ps(kFixedBias + static_cast<float>(plan.bins) + 1.5f);
  // Set above the fraction's lowest log2(2 near) bits: a lane is near when none of them is.
  const __m512i far_bits = _mm512_set1_epi32(0xffff & ~(2 * near - 1));
  const __m128i pair_weights = _mm_set1_epi16(1 | (1 << (8 + kPairShift)));
  const __m512 zero = _mm512_setzero_ps();
  const __m512i zero_slot = _mm512_set1_epi32(static_cast<int>(ExactSlot(plan, 0.0f, 0)) << 16);
  const __m512i one = _mm512_set1_epi32(1);
  const EdgeTable edges = LoadEdgeTable(plan);

  __m512 vmin = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
  __m512d sq0 = _mm512_setzero_pd(), sq1 = _mm512_setzero_pd();
  uint64_t zeros = 0;
  for (size_t i = 0; i < n; i += kLanes) {
    const __m512 x = LoadFloats<kInput>(values + i);
    const __m512 t = kLog ? Log2Approx(x, poly) : x;
    // max(y, lo) puts lo in a NaN lane (a NaN lane's chunk is redone, but must index safely).
    const __m512i y = _mm512_castps_si512(
        _mm512_min_ps(_mm512_max_ps(_mm512_fmsub_ps(t, scale, offset), window_lo), window_hi));
    const __mmask16 is_zero = _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ);
    const __mmask16 near_mask = _mm512_testn_epi32_mask(y, far_bits);
    vmin = _mm512_min_ps(vmin, x);
    vmax = _mm512_max_ps(vmax, x);
    const __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
    const __m512d d1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
    sum0 = _mm512_add_pd(sum0, d0);
    sum1 = _mm512_add_pd(sum1, d1);
    sq0 = _mm512_fmadd_pd(d0, d0, sq0);
    sq1 = _mm512_fmadd_pd(d1, d1, sq1);
    zeros += static_cast<uint32_t>(__builtin_popcount(is_zero));
    __m512i slots = _mm512_srli_epi32(_mm512_mask_mov_epi32(y, is_zero, zero_slot), 16);
    const __mmask16 inexact = near_mask & ~is_zero;
    if (inexact != 0) {
      const __m512 v = kLog ? _mm512_abs_ps(x) : x;
      const __mmask16 below =
          _mm512_mask_cmp_ps_mask(inexact, v, LowerEdge(edges, slots), _CMP_LT_OQ);
      slots = _mm512_mask_sub_epi32(slots, below, slots, one);
    }
    const __m128i pairs = _mm_maddubs_epi16(_mm512_cvtepi32_epi8(slots), pair_weights);
    const auto low = static_cast<uint64_t>(_mm_cvtsi128_si64(pairs));
    const auto high = static_cast<uint64_t>(_mm_extract_epi64(pairs, 1));
    ++pair_counts[low & 0xffff];
    ++pair_counts[(low >> 16) & 0xffff];
    ++pair_counts[(low >> 32) & 0xffff];
    ++pair_counts[low >> 48];
    ++pair_counts[high & 0xffff];
    ++pair_counts[(high >> 16) & 0xffff];
    ++pair_counts[(high >> 32) & 0xffff];
    ++pair_counts[high >> 48];
  }
  stats->min = std::min(stats->min, _mm512_reduce_min_ps(vmin));
  stats->max = std::max(stats->max, _mm512_reduce_max_ps(vmax));
  stats->sum += _mm512_reduce_add_pd(_mm512_add_pd(sum0, sum1));
  stats->sum_squares += _mm512_reduce_add_pd(_mm512_add_pd(sq0, sq1));
  stats->zeros += zeros;
}

template <KernelInput kInput>
void AccumulatePairs(const KernelInputType<kInput>* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  if (plan.exact_only) {
    AccumulateInput<kInput>(KernelPath::kScalar, values, n, acc);
    return;
  }
  // The fast loop makes slots 0 .. bins + 1 (nonfinite values are redone by the scalar kernel).
  const size_t used = plan.bins + 2;
  std::vector<uint32_t>& pair_counts = acc->scratch_counts;
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t length = std::min(kChunk, n - start);
    const KernelInputType<kInput>* chunk = values + start;
    if (length < kMinPairChunk || plan.bins > kMaxPairBins) {
      AccumulateInput<kInput>(KernelPath::kAvx2, chunk, length, acc);
      continue;
    }
    const size_t vector_length = length - length % kLanes;
    pair_counts.resize(kPairTable);
    std::fill(pair_counts.begin(), pair_counts.begin() + static_cast<ptrdiff_t>(used << kPairShift),
              0);
    ChunkStats stats;
    if (plan.log_scale) {
      FastChunkPairs<true, kInput>(plan, chunk, vector_length, pair_counts.data(), &stats);
    } else {
      FastChunkPairs<false, kInput>(plan, chunk, vector_length, pair_counts.data(), &stats);
    }
    if (!std::isfinite(stats.sum) || !std::isfinite(stats.sum_squares)) {
      // Holds NaN or Inf (see the file comment).
      AccumulateInput<kInput>(KernelPath::kScalar, chunk, length, acc);
      continue;
    }
    FoldPairs(pair_counts.data(), used, acc);
    stats.AddTo(acc);
    AccumulateInput<kInput>(KernelPath::kScalar, chunk + vector_length, length - vector_length,
                            acc);
  }
}

}  // namespace

void AccumulateAvx512(const float* values, size_t n, HistogramAccumulator* acc) {
  AccumulatePairs<KernelInput::kFloat>(values, n, acc);
}

void AccumulateHalfAvx512(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulatePairs<KernelInput::kHalf>(values, n, acc);
}

void AccumulateBFloat16Avx512(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulatePairs<KernelInput::kBFloat16>(values, n, acc);
}

}  // namespace actiscope::client
