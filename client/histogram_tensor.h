// The CPU side of ComputeHistogram for tensors (histogram_tensor.cc): how a CPU tensor is fed to
// the kernel of histogram_kernel.h and when it is split over LibTorch's intra-op threads. Public
// callers use ComputeHistogram (actiscope/client/histogram.h); this header exists so that the
// tests and client_split_bench can choose the split themselves, and for the Reporter, which
// histograms held tensors together (Reporter::RecordHeld).
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_TENSOR_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_TENSOR_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "client/histogram_kernel.h"

namespace actiscope::client {

// The least number of elements each thread gets when a CPU tensor is split: a tensor of 2 × this
// many elements or more uses two threads. Measured by tests/bench/client_split_bench (see
// tests/bench/README.md): two threads are 0.89x as fast as one at 4k elements, 1.22x faster at
// 8k, 1.34x at 16k, 1.51x at 32k and 1.7x from 64k, so splitting starts at 8k.
inline constexpr int64_t kMinElementsPerThread = 4 * 1024;

// The dtypes a histogram takes: float32, float16 and bfloat16.
bool IsHistogramDtype(at::ScalarType dtype);

// True for a tensor that ComputeContiguousCpuHistograms takes: defined, on the CPU, strided,
// contiguous and of a histogram dtype.
bool IsContiguousCpuInput(const at::Tensor& values);

// How many pieces ComputeHistogram splits a CPU tensor of `elements` elements into, given
// `threads` intra-op threads: at least 1, at most `threads`, each piece at least
// kMinElementsPerThread elements.
int64_t SplitParts(int64_t elements, int threads);

// Histograms a CPU float32/float16/bfloat16 tensor of any strides with `parts` pieces run
// through at::parallel_for (1: all on the calling thread): element ranges of a contiguous
// tensor, else pieces of its densest-ordered first dimension (fewer pieces when that dimension
// is shorter). The result does not depend on `parts` except for the rounding of sum and
// sum_squares. `threads_used`, when not null, receives how many distinct
// threads ran the pieces (this LibTorch's at::parallel_for is inline OpenMP: without OpenMP in
// this file's build it runs them all on the calling thread). May throw c10::Error.
HistogramResult ComputeCpuHistogram(const at::Tensor& values, const HistogramPlan& plan,
                                    int64_t parts, int* threads_used = nullptr);

// ComputeCpuHistogram for several contiguous CPU float32/float16/bfloat16 tensors at once,
// `plans[i]` for `values[i]` (as many plans as tensors), over `max_threads` threads (0:
// at::get_num_threads()): each tensor is split as SplitParts(numel, threads) says and all the
// pieces are shared out over the threads (largest first, each to the least loaded) in one
// at::parallel_for, so that the tensors pay one fork and join instead of one each. Results in the
// order of `values`, equal to ComputeCpuHistogram's with the same parts (sums included). May throw
// c10::Error.
std::vector<HistogramResult> ComputeContiguousCpuHistograms(
    absl::Span<const at::Tensor> values, absl::Span<const HistogramPlan* const> plans,
    int max_threads = 0);

// ComputeHistogram (actiscope/client/histogram.h) with the plan of its layout built beforehand,
// for callers that histogram one layout many times (the reporter keeps a plan per series; a
// plan costs about a microsecond to build). `plan` must come from a valid layout.
absl::StatusOr<HistogramResult> ComputeHistogramWithPlan(const at::Tensor& values,
                                                         const HistogramPlan& plan,
                                                         int max_threads = 0);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HISTOGRAM_TENSOR_H_
