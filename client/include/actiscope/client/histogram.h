// The one-pass histogram kernel of the client library: bin counts plus the summary statistics
// of a tensor, in one read of its values.
//
// The reporter calls ComputeHistogram(tensor) on every Record; benchmarks and tools may call it
// directly. The float entry point needs no LibTorch; the tensor entry point accepts float32,
// float16 and bfloat16 tensors on the CPU (contiguous or strided) and, through device-generic
// LibTorch ops, on other devices (that path synchronizes with the device; the reporter uses the
// asynchronous one in device_histogram.h instead).
//
// Bin layouts are actiscope::BinLayout (common/bin_layout.h, installed with this header;
// validate one with actiscope::ValidateLayout):
//   kLinear:       `bins` equal-width bins over [lo, hi); x < lo counts as below, x >= hi as
//                  above. Exact zeros count in `zeros` and in their bin (or below/above).
//   kLogMagnitude: `bins` bins of |x| with edges lo * (hi/lo)^(i/bins), 0 < lo < hi; exact
//                  zeros count in `zeros` and in below, other |x| < lo in below, |x| >= hi above.
// NaN, +Inf and -Inf count in `nonfinite` only. min/max/sum/sum_squares cover finite values;
// with no finite value min and max are 0. Always elements = sum(counts) + below + above +
// nonfinite.
//
// Thread-safety: all functions are pure and may be called concurrently.
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/bin_layout.h"

namespace at {
class Tensor;
}  // namespace at

namespace actiscope::client {

// What one pass over a tensor learned; see the file comment for the exact meaning.
struct HistogramResult {
  std::vector<uint64_t> counts;  // layout.bins entries.
  uint64_t below = 0;
  uint64_t above = 0;
  uint64_t zeros = 0;
  uint64_t nonfinite = 0;
  uint64_t elements = 0;
  double min = 0;
  double max = 0;
  double sum = 0;
  double sum_squares = 0;
};

// Histograms `n` floats on the calling thread (AVX-512 or AVX2 when the processor has it). `layout`
// must be valid (ValidateLayout); an invalid layout yields all elements counted as nonfinite.
HistogramResult ComputeHistogram(const float* values, size_t n, const BinLayout& layout);

// Histograms a float32/float16/bfloat16 tensor of any shape, strides and device. CPU tensors
// of 8k elements or more are split over up to `max_threads` threads, at least 4k elements
// each (0: as many as at::get_num_threads()). INVALID_ARGUMENT for an invalid layout or another
// dtype; INTERNAL when LibTorch fails (the c10::Error message is kept).
absl::StatusOr<HistogramResult> ComputeHistogram(const at::Tensor& values, const BinLayout& layout,
                                                 int max_threads = 0);

// Adds `other`'s counts and statistics into `*into`; both must come from the same layout.
// Counts and sums add; min and max cover only histograms with finite values. The server sums
// histograms by the same rule.
void MergeHistogram(const HistogramResult& other, HistogramResult* into);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HISTOGRAM_H_
