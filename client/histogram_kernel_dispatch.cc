// Run-time choice of the histogram kernel and of the float16/bfloat16 conversions: the AVX-512
// and AVX2 paths are compiled for their targets only (function attributes) and taken where
// the processor has them (__builtin_cpu_supports, CPUID), so the binary runs on any x86-64.
#include <cpuid.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "client/histogram_kernel.h"

namespace actiscope::client {
namespace {

// Elements per converted block of AccumulateHalf/AccumulateBFloat16 on the scalar path (the
// vector kernels convert as they load): 16 KiB of floats, in L1.
constexpr size_t kConvertBlock = 4096;

// AccumulateHalf and AccumulateBFloat16: the vector kernels read the bits themselves; the
// scalar one gets blocks converted bit by bit.
template <KernelInput kInput>
void Accumulate16Bit(KernelPath path, const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  constexpr bool kHalf = kInput == KernelInput::kHalf;
  const ScopedExactDenormals exact_denormals;
  if (acc->plan->exact_only) path = KernelPath::kScalar;
  switch (path) {
    case KernelPath::kAvx512:
      (kHalf ? AccumulateHalfAvx512 : AccumulateBFloat16Avx512)(values, n, acc);
      return;
    case KernelPath::kAvx2:
      (kHalf ? AccumulateHalfAvx2 : AccumulateBFloat16Avx2)(values, n, acc);
      return;
    case KernelPath::kScalar:
      break;
  }
  float block[kConvertBlock];
  for (size_t start = 0; start < n; start += kConvertBlock) {
    const size_t length = std::min(kConvertBlock, n - start);
    for (size_t i = 0; i < length; ++i) {
      block[i] =
          kHalf ? HalfBitsToFloat(values[start + i]) : BFloat16BitsToFloat(values[start + i]);
    }
    AccumulateScalar(block, length, acc);
  }
}

// F16C from CPUID leaf 1 (ECX bit 29): clang's __builtin_cpu_supports does not know "f16c".
bool CpuHasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}

}  // namespace

const char* KernelPathName(KernelPath path) {
  switch (path) {
    case KernelPath::kScalar:
      return "scalar";
    case KernelPath::kAvx2:
      return "avx2";
    case KernelPath::kAvx512:
      return "avx512";
  }
  return "unknown";
}

bool CpuSupports(KernelPath path) {
  static const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && CpuHasF16c();
  static const bool avx512 =
      avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  switch (path) {
    case KernelPath::kScalar:
      return true;
    case KernelPath::kAvx2:
      return avx2;
    case KernelPath::kAvx512:
      return avx512;
  }
  return false;
}

KernelPath BestKernelPath() {
  static const KernelPath best = CpuSupports(KernelPath::kAvx512) ? KernelPath::kAvx512
                                 : CpuSupports(KernelPath::kAvx2) ? KernelPath::kAvx2
                                                                  : KernelPath::kScalar;
  return best;
}

void Accumulate(KernelPath path, const float* values, size_t n, HistogramAccumulator* acc) {
  const ScopedExactDenormals exact_denormals;
  if (acc->plan->exact_only) path = KernelPath::kScalar;
  switch (path) {
    case KernelPath::kAvx512:
      AccumulateAvx512(values, n, acc);
      return;
    case KernelPath::kAvx2:
      AccumulateAvx2(values, n, acc);
      return;
    case KernelPath::kScalar:
      break;
  }
  AccumulateScalar(values, n, acc);
}

void AccumulateHalf(KernelPath path, const uint16_t* values, size_t n, HistogramAccumulator* acc) {
  Accumulate16Bit<KernelInput::kHalf>(path, values, n, acc);
}

void AccumulateBFloat16(KernelPath path, const uint16_t* values, size_t n,
                        HistogramAccumulator* acc) {
  Accumulate16Bit<KernelInput::kBFloat16>(path, values, n, acc);
}

float HalfBitsToFloat(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t exponent = (h >> 10) & 0x1f;
  const uint32_t mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0) {
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  } else if (exponent == 31) {
    magnitude = mantissa == 0 ? std::numeric_limits<float>::infinity()
                              : std::numeric_limits<float>::quiet_NaN();
  } else {
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  }
  return sign != 0 ? -magnitude : magnitude;
}

void HalfToFloat(KernelPath path, const uint16_t* in, size_t n, float* out) {
  switch (path) {
    case KernelPath::kAvx512:
    case KernelPath::kAvx2:
      HalfToFloatAvx2(in, n, out);
      return;
    case KernelPath::kScalar:
      break;
  }
  for (size_t i = 0; i < n; ++i) out[i] = HalfBitsToFloat(in[i]);
}

void HalfToFloat(const uint16_t* in, size_t n, float* out) {
  HalfToFloat(BestKernelPath(), in, n, out);
}

void BFloat16ToFloat(KernelPath path, const uint16_t* in, size_t n, float* out) {
  switch (path) {
    case KernelPath::kAvx512:
    case KernelPath::kAvx2:
      BFloat16ToFloatAvx2(in, n, out);
      return;
    case KernelPath::kScalar:
      break;
  }
  for (size_t i = 0; i < n; ++i) out[i] = BFloat16BitsToFloat(in[i]);
}

void BFloat16ToFloat(const uint16_t* in, size_t n, float* out) {
  BFloat16ToFloat(BestKernelPath(), in, n, out);
}

}  // namespace actiscope::client
