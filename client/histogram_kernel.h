// The CPU histogram kernel behind ComputeHistogram: a plan (edges and scale factors derived
// once from a BinLayout) and an accumulator that takes float blocks one pass at a time, so that
// float16/bfloat16 and strided tensors can be fed in converted blocks and large tensors split
// over threads (one accumulator each, merged at the end).
//
// Slots: the kernel counts into bins + 3 slots: 0 = below, 1..bins = the bins, bins + 1 =
// above, bins + 2 = nonfinite. Slot s holds the finite v with edge[s] <= v < edge[s + 1],
// where edge = {-inf, e_0, ..., e_bins, +inf}, e_i the float rounding up of BinEdges()[i],
// and v = x (linear) or |x| (log-magnitude). Comparing a float against the rounded-up edge is
// exactly comparing it against the double edge, so binning is exact on edges.
//
// Thread-safety: a HistogramPlan is immutable and shareable; an accumulator is single-threaded.
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_KERNEL_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "actiscope/client/histogram.h"

namespace actiscope::client {

// Clears the processor's flush-to-zero and denormals-are-zero modes (MXCSR FTZ and DAZ, which
// torch.set_flush_denormal(True) sets on its thread) for its lifetime: with them, a denormal
// value or edge reads as zero in some instructions and not in others, and the paths would
// disagree. Plans are built and kernels run under one, so the flags cost nothing to a caller.
class ScopedExactDenormals {
 public:
  ScopedExactDenormals();
  ~ScopedExactDenormals();
  ScopedExactDenormals(const ScopedExactDenormals&) = delete;
  ScopedExactDenormals& operator=(const ScopedExactDenormals&) = delete;

 private:
  unsigned saved_;
};

struct HistogramPlan {
  explicit HistogramPlan(const BinLayout& layout);
  BinLayout layout;
  bool log_scale;
  uint32_t bins;
  // The slot estimate is floor((t(v) - origin) * scale) + 1, with t(v) = v (linear) or
  // log2(v) (log-magnitude), then corrected against `edges` near a bin edge.
  float origin;
  float scale;
  // A slot estimate whose t is within `near_edge` of an integer may be off by one and is
  // corrected exactly. When the estimate cannot be trusted at all (extreme layouts) `exact_only`
  // makes every kernel use ExactSlot.
  float near_edge;
  bool exact_only;
  std::vector<float> edges;  // bins + 3 entries: -inf, e_0 .. e_bins, +inf.
};

// Running counts of one pass. Counts are 64-bit; the kernels count into 32-bit scratch in
// blocks small enough not to overflow.
struct HistogramAccumulator {
  explicit HistogramAccumulator(const HistogramPlan& plan);
  void Add(const float* values, size_t n);
  void Merge(const HistogramAccumulator& other);
  HistogramResult Result() const;

  const HistogramPlan* plan;
  std::vector<uint64_t> slots;  // bins + 3, see the file comment.
  uint64_t zeros = 0;
  float min;  // +inf until a finite value is seen.
  float max;  // -inf until a finite value is seen.
  double sum = 0;
  double sum_squares = 0;
  // The AVX2 kernel's scratch (a chunk's counts or sub-histograms; offsets of vectors near an
  // edge), kept across Add calls so that small blocks allocate nothing.
  std::vector<uint32_t> scratch_counts;
  std::vector<uint32_t> scratch_near;
};

// What a vector kernel's fast loop gathers from one chunk besides the slot counts; AddTo
// folds it into the accumulator once the chunk is known to hold only finite values.
struct ChunkStats {
  double sum = 0;
  double sum_squares = 0;
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  uint64_t zeros = 0;

  void AddTo(HistogramAccumulator* acc) const;
};

// The kernel implementations. Every path gives the scalar kernel's counts, below, above,
// zeros, nonfinite, min and max exactly (a -0/+0 minimum or maximum may differ in sign only);
// sum and sum_squares are double sums taken in a different order, equal to rounding.
enum class KernelPath { kScalar, kAvx2, kAvx512 };
inline constexpr KernelPath kAllKernelPaths[] = {KernelPath::kScalar, KernelPath::kAvx2,
                                                 KernelPath::kAvx512};
const char* KernelPathName(KernelPath path);  // "scalar", "avx2", "avx512".
// True when this process may run `path` (kScalar always).
bool CpuSupports(KernelPath path);
// The fastest path this processor supports; what HistogramAccumulator::Add uses.
KernelPath BestKernelPath();

// What a vector kernel reads: float32, or IEEE binary16 / bfloat16 bit patterns that it converts
// to float as it loads them (exactly), so that they need no converted copy.
enum class KernelInput { kFloat, kHalf, kBFloat16 };
template <KernelInput kInput>
using KernelInputType = std::conditional_t<kInput == KernelInput::kFloat, float, uint16_t>;

// Adds `n` values to `acc` with `path`, which the processor must support (CpuSupports). Plans
// marked exact_only always take the scalar kernel.
void Accumulate(KernelPath path, const float* values, size_t n, HistogramAccumulator* acc);
// The same for IEEE binary16 and bfloat16 bit patterns: the vector kernels convert as they load
// (VCVTPH2PS, a shift); the scalar one converts blocks to float first, bit by bit. All
// conversions are exact.
void AccumulateHalf(KernelPath path, const uint16_t* values, size_t n, HistogramAccumulator* acc);
void AccumulateBFloat16(KernelPath path, const uint16_t* values, size_t n,
                        HistogramAccumulator* acc);
// Accumulate, AccumulateHalf or AccumulateBFloat16, by what `values` hold: for the kernels that
// hand a piece of their input to another path.
template <KernelInput kInput>
void AccumulateInput(KernelPath path, const KernelInputType<kInput>* values, size_t n,
                     HistogramAccumulator* acc) {
  if constexpr (kInput == KernelInput::kFloat) {
    Accumulate(path, values, n, acc);
  } else if constexpr (kInput == KernelInput::kHalf) {
    AccumulateHalf(path, values, n, acc);
  } else {
    AccumulateBFloat16(path, values, n, acc);
  }
}

// The kernels behind Accumulate: add `n` values to `acc`.
void AccumulateScalar(const float* values, size_t n, HistogramAccumulator* acc);
void AccumulateAvx2(const float* values, size_t n, HistogramAccumulator* acc);
// The AVX2 kernel reading binary16 / bfloat16 bit patterns directly (F16C; a shift).
void AccumulateHalfAvx2(const uint16_t* values, size_t n, HistogramAccumulator* acc);
void AccumulateBFloat16Avx2(const uint16_t* values, size_t n, HistogramAccumulator* acc);
void AccumulateAvx512(const float* values, size_t n, HistogramAccumulator* acc);
// The AVX-512 kernel reading binary16 / bfloat16 bit patterns directly, converting as it loads.
void AccumulateHalfAvx512(const uint16_t* values, size_t n, HistogramAccumulator* acc);
void AccumulateBFloat16Avx512(const uint16_t* values, size_t n, HistogramAccumulator* acc);

// Converts n IEEE half-precision (or bfloat16) values to float with the fastest path (first
// overloads) or with `path`, which the processor must support. Exact for every bit pattern;
// NaNs stay NaN.
void HalfToFloat(const uint16_t* in, size_t n, float* out);
void HalfToFloat(KernelPath path, const uint16_t* in, size_t n, float* out);
void BFloat16ToFloat(const uint16_t* in, size_t n, float* out);
void BFloat16ToFloat(KernelPath path, const uint16_t* in, size_t n, float* out);
float HalfBitsToFloat(uint16_t h);  // The scalar conversions, bit by bit.
inline float BFloat16BitsToFloat(uint16_t b) {
  const uint32_t bits = uint32_t{b} << 16;
  float f;
  __builtin_memcpy(&f, &bits, sizeof f);
  return f;
}
// The vector conversions behind the overloads above, for the AVX2 and AVX-512 paths alike (the
// 512-bit conversions measured slower on this project's AMD machine: client_kernel_bench).
void HalfToFloatAvx2(const uint16_t* in, size_t n, float* out);
void BFloat16ToFloatAvx2(const uint16_t* in, size_t n, float* out);

// Exact slot of the finite `x` by comparison with plan.edges, starting from slot `guess`.
uint32_t ExactSlot(const HistogramPlan& plan, float x, int32_t guess);
// The scalar kernel's starting guess for ExactSlot: the slot estimate from std::log2 (accurate
// for denormals too), at most a slot from the exact one; 0 for exact_only plans.
int32_t SlotGuess(const HistogramPlan& plan, float x);

// log2(x) for a normal, positive float to within LogApproxMaxError(), branch-free; the
// polynomial is fitted once per process.
struct Log2Poly {
  float c[6];  // log2(m) ~ sum c[i] (m - 1)^i for the mantissa m in [1, 2).
  double max_error;
};
const Log2Poly& Log2Approximation();

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HISTOGRAM_KERNEL_H_
