// The histogram of a tensor computed with device-generic LibTorch ops, for tensors that are not
// on the CPU (CUDA). The ops give the same result as the CPU kernel (they compare against the
// same rounded edges, see histogram_kernel.h) and run on CPU tensors too, which is how they
// are tested on machines without a GPU.
//
// LaunchDeviceHistogram enqueues the work on the tensor's current stream, packs the small
// result (bins + 8 doubles) and copies it to pinned host memory without blocking, then records
// an event; the reporter thread polls Ready() and calls Take(). The training stream is never
// synchronized. This interface keeps LibTorch out of the reporter's translation units.
//
// Thread-safety: Launch must run on the thread that owns the tensor's stream (the training
// thread); Ready/Take may then be called from one other thread.
#ifndef ACTISCOPE_CLIENT_DEVICE_HISTOGRAM_H_
#define ACTISCOPE_CLIENT_DEVICE_HISTOGRAM_H_

#include <memory>

#include "absl/status/statusor.h"
#include "actiscope/client/histogram.h"
#include "client/histogram_kernel.h"

namespace actiscope::client {

class PendingHistogram {
 public:
  virtual ~PendingHistogram() = default;
  // True once Take() will not block. Never blocks.
  virtual bool Ready() = 0;
  // The result; call once, after Ready() returned true (it blocks otherwise).
  virtual absl::StatusOr<HistogramResult> Take() = 0;
};

// Starts the histogram of `values` (float32/float16/bfloat16, any device) with the op path.
// On a CPU tensor the result is computed before returning. INVALID_ARGUMENT for a bad layout
// or dtype; INTERNAL when LibTorch fails.
absl::StatusOr<std::unique_ptr<PendingHistogram>> LaunchDeviceHistogram(const at::Tensor& values,
                                                                        const BinLayout& layout);

// The histogram the reporter records with its series' plan (of a valid layout): a CPU tensor is
// histogrammed now by the kernel (ComputeHistogramWithPlan, all intra-op threads), any other
// device through LaunchDeviceHistogram.
absl::StatusOr<std::unique_ptr<PendingHistogram>> StartHistogram(const at::Tensor& values,
                                                                 const HistogramPlan& plan);

// The op path, waited for: LaunchDeviceHistogram then Take.
absl::StatusOr<HistogramResult> ComputeHistogramWithOps(const at::Tensor& values,
                                                        const BinLayout& layout);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_DEVICE_HISTOGRAM_H_
