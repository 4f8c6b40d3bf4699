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
// What AVX-512 changes besides the width, for layouts of up to kMaxBitBins bins (the common case)
// and chunks of at least kMinBitChunk values: the slot estimate is clamped so that its truncation
// is the slot with no integer clamp, it is computed in fixed point (the slot a byte, the
// near-edge test one bit test), a near lane's slot is corrected in registers by one comparison,
// slots are counted with vector logic and no memory increment (bit-sliced counting, below),
// comparisons go to mask registers, and log2 takes the exponent and mantissa from
// VGETEXPPS/VGETMANTPS, which give the AVX2 kernel's values bit for bit on normal floats and,
// unlike its bit fields, normalize denormals, so that these need no exact fallback (a test
// layout has denormal edges). Wider layouts and shorter chunks go to the AVX2 kernel, as do its
// float16 and bfloat16 conversions.
//
// Bit-sliced counting: each value's slot (at most 63) becomes a one-hot 64-bit word, 1 << slot,
// and the words are added bit position by bit position in carry-save form (Harley-Seal): the
// counter of each (64-bit lane, bit) pair is kept as bit planes, the planes of weight 1 to 8 in
// registers, and 16 one-hot words cost 15 carry-save adders of two VPTERNLOGQ each. A slot's
// count is read out of the planes once per chunk. This replaced one memory increment per two
// values (a table of slot pairs), which bound the loop: 2,450 -> 3,670 M elements/s linear and
// 1,750 -> 2,420 log-magnitude on this project's machine, 64k values in cache, old and new loops
// alternating in one process (tests/bench/README.md).
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

#define ACTISCOPE_AVX512_TARGET "avx512f,avx512bw,avx512dq,avx512vl,fma"
#define ACTISCOPE_AVX512 __attribute__((target(ACTISCOPE_AVX512_TARGET)))
// For the lambdas and helpers of the counting loop, which must inline (as calls, their captures
// would live in memory).
#define ACTISCOPE_AVX512_INLINE __attribute__((always_inline, target(ACTISCOPE_AVX512_TARGET)))

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

// The fast loop for layouts of at most kMaxBitBins bins, in fixed point and counting bits.
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
// estimated slot's lower edge, looked up in registers (LowerEdge), and one subtraction from y.
//
// Counting: byte 2 of the even (odd) 32-bit lanes of y is moved to the low byte of its 64-bit
// lane by one VPSHUFB, and VPSLLVQ makes it a one-hot word; see the file comment.
constexpr float kFixedBias = 128.0f;  // A power of two, with kMaxBitBins + 2 <= 64 (bit_planes.h).
// Shorter chunks go to the AVX2 kernel: reading the counts out of the bit planes costs more
// than the faster loop saves below about 1k values (against the AVX2 kernel, 2026-12-07:
// 0.86x at 512 values, 1.5x at 1k, 1.7x at 2k, 1.9x at 8k, linear).
constexpr size_t kMinBitChunk = 1024;

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

#define ACTISCOPE_BIT_PLANES_TARGET ACTISCOPE_AVX512_TARGET
#include "client/bit_planes.h"

struct Avx512Ops {
  using Vector = __m512i;
  ACTISCOPE_AVX512_INLINE static Vector Zero() { return _mm512_setzero_si512(); }
  ACTISCOPE_AVX512_INLINE static Vector Xor(Vector a, Vector b) { return _mm512_xor_si512(a, b); }
  ACTISCOPE_AVX512_INLINE static Vector And(Vector a, Vector b) { return _mm512_and_si512(a, b); }
  // Two VPTERNLOGQ: majority (0xe8) and three-way exclusive or (0x96).
  ACTISCOPE_AVX512_INLINE static void CarrySave(Vector* high, Vector* low, Vector a, Vector b,
                                                Vector c) {
    *high = _mm512_ternarylogic_epi64(a, b, c, 0xe8);
    *low = _mm512_ternarylogic_epi64(a, b, c, 0x96);
  }
  ACTISCOPE_AVX512_INLINE static bool AllZero(Vector v) {
    return _mm512_test_epi64_mask(v, v) == 0;
  }
  ACTISCOPE_AVX512_INLINE static int LanesWithBit(Vector v, int bit) {
    return __builtin_popcount(_mm512_test_epi64_mask(v, _mm512_set1_epi64(int64_t{1} << bit)));
  }
};

// A chunk puts at most 2 kChunk / kLanes = 2^13 words into one lane: planes 0..13.
using ChunkBits = BitPlanes<Avx512Ops, 14>;

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

// Counts n values (a multiple of kLanes) into `bits` (cleared) and `stats`.
template <bool kLog, KernelInput kInput>
ACTISCOPE_AVX512 void FastChunkBits(const HistogramPlan& plan,
                                    const KernelInputType<kInput>* values, size_t n,
                                    ChunkBits* bits, ChunkStats* stats) {
  const Log2Poly& poly = Log2Approximation();
  const int32_t near = NearEdgeUlps(plan);
  const __m512 scale = _mm512_set1_ps(plan.scale);
  const __m512 offset = _mm512_set1_ps(static_cast<float>(
      static_cast<double>(plan.origin) * plan.scale - 1.0 - kFixedBias - near * 0x1p-16));
  const __m512 window_lo = _mm512_set1_ps(kFixedBias + 0.5f);
  const __m512 window_hi = _mm512_set1_ps(kFixedBias + static_cast<float>(plan.bins) + 1.5f);
  // Set above the fraction's lowest log2(2 near) bits: a lane is near when none of them is.
  const __m512i far_bits = _mm512_set1_epi32(0xffff & ~(2 * near - 1));
  const __m512 zero = _mm512_setzero_ps();
  const __m512i zero_slot = _mm512_set1_epi32(static_cast<int>(ExactSlot(plan, 0.0f, 0)) << 16);
  const __m512i slot_one = _mm512_set1_epi32(1 << 16);
  // VPSHUFB controls: byte 2 of the even (odd) 32-bit lane to byte 0 of its 64-bit lane, the
  // other bytes cleared (VPSHUFB works within 128-bit lanes).
  const __m512i even_slot = _mm512_broadcast_i32x4(_mm_set_epi64x(
      static_cast<int64_t>(0x808080808080800aull), static_cast<int64_t>(0x8080808080808002ull)));
  const __m512i odd_slot = _mm512_broadcast_i32x4(_mm_set_epi64x(
      static_cast<int64_t>(0x808080808080800eull), static_cast<int64_t>(0x8080808080808006ull)));
  const __m512i one = _mm512_set1_epi64(1);
  const EdgeTable edges = LoadEdgeTable(plan);

  __m512 vmin = _mm512_set1_ps(std::numeric_limits<float>::infinity());
  __m512 vmax = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
  __m512d sq0 = _mm512_setzero_pd(), sq1 = _mm512_setzero_pd();
  uint64_t zeros = 0;
  // The one-hot words of the slots of values[i .. i + 16): even lanes in in[0], odd in in[1].
  const auto one_hot = [&](size_t i, __m512i* in) ACTISCOPE_AVX512_INLINE {
    const __m512 x = LoadFloats<kInput>(values + i);
    const __m512 t = kLog ? Log2Approx(x, poly) : x;
    // max(y, lo) puts lo in a NaN lane (a NaN lane's chunk is redone, but must index safely).
    const __m512i y = _mm512_castps_si512(
        _mm512_min_ps(_mm512_max_ps(_mm512_fmsub_ps(t, scale, offset), window_lo), window_hi));
    const __mmask16 is_zero = _mm512_cmp_ps_mask(x, zero, _CMP_EQ_OQ);
    const __mmask16 near_mask = _mm512_testn_epi32_mask(y, far_bits);
    vmin = _mm512_min_ps(vmin, x);
    vmax = _mm512_max_ps(vmax, x);
    __m512d d0, d1;
    if constexpr (kInput == KernelInput::kFloat) {  // From memory: no extract of the high half.
      d0 = _mm512_cvtps_pd(_mm256_loadu_ps(values + i));
      d1 = _mm512_cvtps_pd(_mm256_loadu_ps(values + i + 8));
    } else {
      d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
      d1 = _mm512_cvtps_pd(_mm512_extractf32x8_ps(x, 1));
    }
    sum0 = _mm512_add_pd(sum0, d0);
    sum1 = _mm512_add_pd(sum1, d1);
    sq0 = _mm512_fmadd_pd(d0, d0, sq0);
    sq1 = _mm512_fmadd_pd(d1, d1, sq1);
    zeros += static_cast<uint32_t>(__builtin_popcount(is_zero));
    __m512i slots = _mm512_mask_mov_epi32(y, is_zero, zero_slot);  // The slot in byte 2.
    const __mmask16 inexact = near_mask & ~is_zero;
    if (inexact != 0) {
      const __m512 v = kLog ? _mm512_abs_ps(x) : x;
      const __mmask16 below = _mm512_mask_cmp_ps_mask(
          inexact, v, LowerEdge(edges, _mm512_srli_epi32(slots, 16)), _CMP_LT_OQ);
      slots = _mm512_mask_sub_epi32(slots, below, slots, slot_one);
    }
    in[0] = _mm512_sllv_epi64(one, _mm512_shuffle_epi8(slots, even_slot));
    in[1] = _mm512_sllv_epi64(one, _mm512_shuffle_epi8(slots, odd_slot));
  };
  bits->AddValues</*kThroughMemory=*/false>(n, kLanes, one_hot);
  stats->min = std::min(stats->min, _mm512_reduce_min_ps(vmin));
  stats->max = std::max(stats->max, _mm512_reduce_max_ps(vmax));
  stats->sum += _mm512_reduce_add_pd(_mm512_add_pd(sum0, sum1));
  stats->sum_squares += _mm512_reduce_add_pd(_mm512_add_pd(sq0, sq1));
  stats->zeros += zeros;
}

template <KernelInput kInput>
void AccumulateBits(const KernelInputType<kInput>* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  if (plan.exact_only) {
    AccumulateInput<kInput>(KernelPath::kScalar, values, n, acc);
    return;
  }
  // The fast loop makes slots 0 .. bins + 1 (nonfinite values are redone by the scalar kernel).
  const size_t used = plan.bins + 2;
  ChunkBits bits;
  for (size_t start = 0; start < n; start += kChunk) {
    const size_t length = std::min(kChunk, n - start);
    const KernelInputType<kInput>* chunk = values + start;
    if (length < kMinBitChunk || plan.bins > kMaxBitBins) {
      AccumulateInput<kInput>(KernelPath::kAvx2, chunk, length, acc);
      continue;
    }
    const size_t vector_length = length - length % kLanes;
    bits.Clear();
    ChunkStats stats;
    if (plan.log_scale) {
      FastChunkBits<true, kInput>(plan, chunk, vector_length, &bits, &stats);
    } else {
      FastChunkBits<false, kInput>(plan, chunk, vector_length, &bits, &stats);
    }
    if (!std::isfinite(stats.sum) || !std::isfinite(stats.sum_squares)) {
      // Holds NaN or Inf (see the file comment).
      AccumulateInput<kInput>(KernelPath::kScalar, chunk, length, acc);
      continue;
    }
    bits.ReadOut(used, acc->slots.data());
    stats.AddTo(acc);
    AccumulateInput<kInput>(KernelPath::kScalar, chunk + vector_length, length - vector_length,
                            acc);
  }
}

}  // namespace

void AccumulateAvx512(const float* values, size_t n, HistogramAccumulator* acc) {
  AccumulateBits<KernelInput::kFloat>(values, n, acc);
}

void AccumulateHalfAvx512(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulateBits<KernelInput::kHalf>(values, n, acc);
}

void AccumulateBFloat16Avx512(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulateBits<KernelInput::kBFloat16>(values, n, acc);
}

}  // namespace actiscope::client
