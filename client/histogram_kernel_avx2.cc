// The AVX2 + FMA histogram kernel, compiled for that target only and chosen at run time
// (CpuSupports(KernelPath::kAvx2)).
//
// The input is processed in chunks. Within a chunk the fast loop assumes every value is
// finite: per 8 floats it computes the slot estimate, min/max, double sums and zeros, and counts
// the slots. Layouts of up to kMaxBitBins bins are counted by bit-sliced addition of one-hot
// words, as in the AVX-512 kernel (see its file comment), 4 64-bit lanes at a time; wider ones
// by incrementing four interleaved 32-bit sub-histograms, lane j's count of slot s at
// 4 s + j % 4 (which breaks store-to-load dependencies on repeated bins). A lane near a bin edge
// (or, log-magnitude, a denormal lane) is counted with its estimate and moved to its exact slot
// (ExactSlot) after the loop. A non-finite value makes the chunk's sum non-finite; such a chunk is
// discarded and redone by the scalar kernel, so NaN/Inf cost nothing when absent. float16
// (F16C) and bfloat16 (a shift) are converted as they are loaded.
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

#define ACTISCOPE_AVX2_INLINE __attribute__((always_inline, target("avx2,fma,f16c")))

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

// The slot estimate of 8 values: the fast loop and the correction after it compute it with
// the same instructions, so that the correction knows which slot each near lane was counted in.
//
// u = t * scale - offset + near_edge is the slot estimate plus a fraction, shifted up by
// near_edge; clamped to [0.5, bins + 1.5], its floor is the slot (0 below, bins + 1 above)
// unless its fraction is under 2 near_edge: then the value may lie on either side of an edge.
// Few constants, so that the loop keeps them all in the 16 registers: a constant reloaded from
// the stack can stall on false dependencies with the increments (4K aliasing), depending on
// where the stack and the sub-histograms happen to lie.
template <bool kLog>
struct SlotEstimator {
  __attribute__((target("avx2,fma"))) explicit SlotEstimator(const HistogramPlan& plan)
      : poly(Log2Approximation()),
        scale(_mm256_set1_ps(plan.scale)),
        offset(_mm256_set1_ps(static_cast<float>(static_cast<double>(plan.origin) * plan.scale -
                                                 1.0 - plan.near_edge))),
        window_lo(_mm256_set1_ps(0.5f)),
        window_hi(_mm256_set1_ps(static_cast<float>(plan.bins) + 1.5f)),
        near_window(_mm256_set1_ps(2 * plan.near_edge)),
        zero_slot(_mm256_set1_epi32(static_cast<int>(ExactSlot(plan, 0.0f, 0)))) {}

  // Sets *slots to the estimates (zeros in their exact slot) and returns the mask of the lanes
  // whose estimate may be off: near a bin edge or, log-magnitude, denormal.
  __attribute__((target("avx2,fma"), always_inline)) int Estimate(__m256 x, __m256 is_zero,
                                                                  __m256i* slots) const {
    const __m256 abs_mask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256 t = kLog ? Log2Approx(_mm256_and_ps(x, abs_mask), poly) : x;
    const __m256 u =
        _mm256_min_ps(_mm256_max_ps(_mm256_fmsub_ps(t, scale, offset), window_lo), window_hi);
    const __m256 floored = _mm256_floor_ps(u);
    __m256 near = _mm256_cmp_ps(_mm256_sub_ps(u, floored), near_window, _CMP_LT_OQ);
    if (kLog) {  // Denormals are outside the approximation's domain.
      near = _mm256_or_ps(
          near, _mm256_cmp_ps(_mm256_and_ps(x, abs_mask),
                              _mm256_set1_ps(std::numeric_limits<float>::min()), _CMP_LT_OQ));
    }
    *slots = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(_mm256_cvttps_epi32(floored)),
                                                  _mm256_castsi256_ps(zero_slot), is_zero));
    return _mm256_movemask_ps(_mm256_andnot_ps(is_zero, near));
  }

  const Log2Poly& poly;
  const __m256 scale, offset, window_lo, window_hi, near_window;
  const __m256i zero_slot;
};

template <KernelInput kInput>
__attribute__((target("avx2,f16c"), always_inline)) inline __m256 LoadFloats(
    const KernelInputType<kInput>* p) {
  if constexpr (kInput == KernelInput::kFloat) {
    return _mm256_loadu_ps(p);
  } else {
    const __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (kInput == KernelInput::kHalf) return _mm256_cvtph_ps(bits);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
  }
}

#define ACTISCOPE_BIT_PLANES_TARGET "avx2,fma,f16c"
#include "client/bit_planes.h"

struct Avx2Ops {
  using Vector = __m256i;
  ACTISCOPE_AVX2_INLINE static Vector Zero() { return _mm256_setzero_si256(); }
  ACTISCOPE_AVX2_INLINE static Vector Xor(Vector a, Vector b) { return _mm256_xor_si256(a, b); }
  ACTISCOPE_AVX2_INLINE static Vector And(Vector a, Vector b) { return _mm256_and_si256(a, b); }
  ACTISCOPE_AVX2_INLINE static void CarrySave(Vector* high, Vector* low, Vector a, Vector b,
                                              Vector c) {
    const Vector u = _mm256_xor_si256(a, b);
    *low = _mm256_xor_si256(u, c);
    *high = _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(u, c));
  }
  ACTISCOPE_AVX2_INLINE static bool AllZero(Vector v) { return _mm256_testz_si256(v, v) != 0; }
  ACTISCOPE_AVX2_INLINE static int LanesWithBit(Vector v, int bit) {
    const int set = _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_slli_epi64(v, 63 - bit)));
    return __builtin_popcount(static_cast<unsigned>(set));
  }
};

// A chunk puts at most 2 kChunk / kLanes = 2^14 words into one lane: planes 0..14.
using ChunkBits = BitPlanes<Avx2Ops, 15>;

// Moves each lane near an edge of the vectors at values + near[0 .. near_vectors) from the
// slot its estimate counted it in to its exact slot, in counts (slot s at counts[s * stride]).
template <bool kLog, KernelInput kInput>
__attribute__((target("avx2,fma,f16c"))) void CorrectNearLanes(
    const HistogramPlan& plan, const SlotEstimator<kLog>& estimator,
    const KernelInputType<kInput>* values, const uint32_t* near, size_t near_vectors, size_t stride,
    uint32_t* counts) {
  for (size_t k = 0; k < near_vectors; ++k) {
    const __m256 x = LoadFloats<kInput>(values + near[k]);
    __m256i s;
    int inexact = estimator.Estimate(x, _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ), &s);
    alignas(32) int32_t slot[kLanes];
    alignas(32) float value[kLanes];
    _mm256_store_si256(reinterpret_cast<__m256i*>(slot), s);
    _mm256_store_ps(value, x);
    for (; inexact != 0; inexact &= inexact - 1) {
      const int lane = __builtin_ctz(static_cast<unsigned>(inexact));
      uint32_t* const h = counts + (stride == 1 ? 0 : lane % kSubHistograms);
      --h[slot[lane] * stride];
      // From the scalar kernel's guess: the bit-field log2 of a denormal lane is far off.
      ++h[ExactSlot(plan, value[lane], SlotGuess(plan, value[lane])) * stride];
    }
  }
}

// min, max, the double sums and the zero count of the vectors a fast loop has read.
struct RunningStats {
  __attribute__((target("avx2"))) RunningStats()
      : vmin(_mm256_set1_ps(std::numeric_limits<float>::infinity())),
        vmax(_mm256_set1_ps(-std::numeric_limits<float>::infinity())),
        sum(_mm256_setzero_pd()),
        sum_squares(_mm256_setzero_pd()) {}

  ACTISCOPE_AVX2_INLINE void Add(__m256 x, __m256 is_zero) {
    vmin = _mm256_min_ps(vmin, x);
    vmax = _mm256_max_ps(vmax, x);
    const __m256d d0 = _mm256_cvtps_pd(_mm256_castps256_ps128(x));
    const __m256d d1 = _mm256_cvtps_pd(_mm256_extractf128_ps(x, 1));
    sum = _mm256_add_pd(sum, _mm256_add_pd(d0, d1));
    sum_squares = _mm256_add_pd(sum_squares, _mm256_fmadd_pd(d1, d1, _mm256_mul_pd(d0, d0)));
    zeros += static_cast<uint32_t>(__builtin_popcount(_mm256_movemask_ps(is_zero)));
  }

  __attribute__((target("avx2"))) void AddTo(ChunkStats* stats) const {
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, vmin);
    for (float f : lanes) stats->min = std::min(stats->min, f);
    _mm256_store_ps(lanes, vmax);
    for (float f : lanes) stats->max = std::max(stats->max, f);
    alignas(32) double d[4];
    _mm256_store_pd(d, sum);
    stats->sum += (d[0] + d[1]) + (d[2] + d[3]);
    _mm256_store_pd(d, sum_squares);
    stats->sum_squares += (d[0] + d[1]) + (d[2] + d[3]);
    stats->zeros += zeros;
  }

  __m256 vmin, vmax;
  __m256d sum, sum_squares;
  uint64_t zeros = 0;
};

// The fast loops over n (a multiple of 8) values: see the file comment. `near` has room for
// n / 8 offsets: the loop writes there the offset of each vector with a lane near an edge, with
// no call (a call in the loop makes the compiler keep its constants on the stack), and those
// lanes are moved to their exact slots after the loop. This one counts into `sub`, four
// interleaved sub-histograms of bins + 3 slots.
template <bool kLog, KernelInput kInput>
__attribute__((target("avx2,fma,f16c"))) void FastChunk(const HistogramPlan& plan,
                                                        const KernelInputType<kInput>* values,
                                                        size_t n, uint32_t* sub, uint32_t* near,
                                                        ChunkStats* stats) {
  const SlotEstimator<kLog> estimator(plan);
  const __m256 zero = _mm256_setzero_ps();
  RunningStats running;
  size_t near_vectors = 0;
  for (size_t i = 0; i < n; i += kLanes) {
    const __m256 x = LoadFloats<kInput>(values + i);
    const __m256 is_zero = _mm256_cmp_ps(x, zero, _CMP_EQ_OQ);
    __m256i s;
    const int inexact = estimator.Estimate(x, is_zero, &s);
    if (inexact != 0) near[near_vectors++] = static_cast<uint32_t>(i);
    running.Add(x, is_zero);
    // The slots go to general registers directly, not through the stack (see SlotEstimator).
    const __m256i index = _mm256_slli_epi32(s, 2);  // kSubHistograms counts per slot.
    const __m128i low_half = _mm256_castsi256_si128(index);
    const __m128i high_half = _mm256_extracti128_si256(index, 1);
    const auto i01 = static_cast<uint64_t>(_mm_cvtsi128_si64(low_half));
    const auto i23 = static_cast<uint64_t>(_mm_extract_epi64(low_half, 1));
    const auto i45 = static_cast<uint64_t>(_mm_cvtsi128_si64(high_half));
    const auto i67 = static_cast<uint64_t>(_mm_extract_epi64(high_half, 1));
    ++sub[static_cast<uint32_t>(i01)];
    ++sub[(i01 >> 32) + 1];
    ++sub[static_cast<uint32_t>(i23) + 2];
    ++sub[(i23 >> 32) + 3];
    ++sub[static_cast<uint32_t>(i45)];
    ++sub[(i45 >> 32) + 1];
    ++sub[static_cast<uint32_t>(i67) + 2];
    ++sub[(i67 >> 32) + 3];
  }
  CorrectNearLanes<kLog, kInput>(plan, estimator, values, near, near_vectors, kSubHistograms, sub);
  running.AddTo(stats);
}

// The fast loop for layouts of at most kMaxBitBins bins: counts into `counts` (bins + 3 slots,
// zeroed) through `bits` (cleared).
template <bool kLog, KernelInput kInput>
__attribute__((target("avx2,fma,f16c"))) void FastChunkBits(const HistogramPlan& plan,
                                                            const KernelInputType<kInput>* values,
                                                            size_t n, ChunkBits* bits,
                                                            uint32_t* counts, uint32_t* near,
                                                            ChunkStats* stats) {
  const SlotEstimator<kLog> estimator(plan);
  const __m256 zero = _mm256_setzero_ps();
  const __m256i one = _mm256_set1_epi64x(1);
  const __m256i low_word = _mm256_set1_epi64x(0xffffffff);
  RunningStats running;
  size_t near_vectors = 0;
  // The one-hot words of the slots of values[i .. i + 8): even lanes in in[0], odd in in[1].
  const auto one_hot = [&](size_t i, __m256i* in) ACTISCOPE_AVX2_INLINE {
    const __m256 x = LoadFloats<kInput>(values + i);
    const __m256 is_zero = _mm256_cmp_ps(x, zero, _CMP_EQ_OQ);
    __m256i s;
    const int inexact = estimator.Estimate(x, is_zero, &s);
    if (inexact != 0) near[near_vectors++] = static_cast<uint32_t>(i);
    running.Add(x, is_zero);
    in[0] = _mm256_sllv_epi64(one, _mm256_and_si256(s, low_word));
    in[1] = _mm256_sllv_epi64(one, _mm256_srli_epi64(s, 32));
  };
  bits->AddValues</*kThroughMemory=*/true>(n, kLanes, one_hot);
  bits->ReadOut(plan.bins + 2, counts);
  CorrectNearLanes<kLog, kInput>(plan, estimator, values, near, near_vectors, 1, counts);
  running.AddTo(stats);
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

namespace {

template <KernelInput kInput>
void AccumulateChunks(const KernelInputType<kInput>* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  const size_t stride = plan.bins + 3;
  const bool count_bits = plan.bins <= kMaxBitBins;
  std::vector<uint32_t>& sub = acc->scratch_counts;
  sub.resize(count_bits ? stride : kSubHistograms * stride);
  std::vector<uint32_t>& near = acc->scratch_near;
  near.resize(std::min(kChunk, n) / kLanes + 1);
  ChunkBits bits;
  const size_t vector_end = n - n % kLanes;
  for (size_t start = 0; start < vector_end; start += kChunk) {
    const size_t length = std::min(kChunk, vector_end - start);
    const KernelInputType<kInput>* chunk = values + start;
    std::fill(sub.begin(), sub.end(), 0);
    ChunkStats stats;
    if (count_bits) {
      bits.Clear();
      if (plan.log_scale) {
        FastChunkBits<true, kInput>(plan, chunk, length, &bits, sub.data(), near.data(), &stats);
      } else {
        FastChunkBits<false, kInput>(plan, chunk, length, &bits, sub.data(), near.data(), &stats);
      }
    } else if (plan.log_scale) {
      FastChunk<true, kInput>(plan, chunk, length, sub.data(), near.data(), &stats);
    } else {
      FastChunk<false, kInput>(plan, chunk, length, sub.data(), near.data(), &stats);
    }
    if (!std::isfinite(stats.sum) || !std::isfinite(stats.sum_squares)) {
      // Holds NaN or Inf (see the file comment).
      AccumulateInput<kInput>(KernelPath::kScalar, chunk, length, acc);
      continue;
    }
    for (size_t s = 0; s < stride; ++s) {
      if (count_bits) {
        acc->slots[s] += sub[s];
      } else {
        const uint32_t* const counts = sub.data() + s * kSubHistograms;
        acc->slots[s] += uint64_t{counts[0]} + counts[1] + counts[2] + counts[3];
      }
    }
    stats.AddTo(acc);
  }
  AccumulateInput<kInput>(KernelPath::kScalar, values + vector_end, n - vector_end, acc);
}

}  // namespace

void AccumulateAvx2(const float* values, size_t n, HistogramAccumulator* acc) {
  AccumulateChunks<KernelInput::kFloat>(values, n, acc);
}

void AccumulateHalfAvx2(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulateChunks<KernelInput::kHalf>(values, n, acc);
}

void AccumulateBFloat16Avx2(const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  AccumulateChunks<KernelInput::kBFloat16>(values, n, acc);
}

}  // namespace actiscope::client
