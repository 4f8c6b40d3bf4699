// The device-generic op path of the histogram (see device_histogram.h).
#include "client/device_histogram.h"

#include <ATen/ATen.h>
#include <c10/core/Event.h>
#include <c10/core/InferenceMode.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <cmath>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/histogram_kernel.h"
#include "client/histogram_tensor.h"

namespace actiscope::client {
namespace {

// Unpacks slots (bins + 3) then the stats from a float64 CPU tensor.
HistogramResult Unpack(const at::Tensor& host, uint32_t bins) {
  const double* p = host.data_ptr<double>();
  HistogramResult r;
  r.counts.resize(bins);
  for (uint32_t b = 0; b < bins; ++b) r.counts[b] = static_cast<uint64_t>(p[b + 1]);
  r.below = static_cast<uint64_t>(p[0]);
  r.above = static_cast<uint64_t>(p[bins + 1]);
  r.nonfinite = static_cast<uint64_t>(p[bins + 2]);
  r.elements = r.below + r.above + r.nonfinite;
  for (uint64_t c : r.counts) r.elements += c;
  const double* stats = p + bins + 3;
  r.zeros = static_cast<uint64_t>(stats[0]);
  const bool any_finite = r.elements > r.nonfinite;
  r.min = any_finite ? stats[1] : 0;
  r.max = any_finite ? stats[2] : 0;
  r.sum = stats[3];
  r.sum_squares = stats[4];
  return r;
}

// The packed float64 result (slots, then the stats) on values' device.
at::Tensor PackedHistogram(const at::Tensor& values, const HistogramPlan& plan) {
  const int64_t bins = plan.bins;
  const at::Tensor x = values.reshape({-1}).to(at::kFloat);
  const at::Tensor finite = at::isfinite(x);
  const at::Tensor v = plan.log_scale ? x.abs() : x;
  const at::Tensor t = plan.log_scale ? at::log2(v) : v;
  at::Tensor pos = ((t - plan.origin) * plan.scale).clamp(-1.0, static_cast<double>(bins));
  pos = at::where(finite, pos, at::zeros({}, pos.options())).floor().to(at::kLong) + 1;
  at::Tensor edges =
      at::tensor(at::ArrayRef<float>(plan.edges), at::TensorOptions().dtype(at::kFloat));
  // A copy from pageable memory would synchronize the stream with the host; from pinned
  // memory it is queued like any op (the caching host allocator keeps the block until done).
  edges = values.is_cuda() ? edges.pin_memory().to(values.device(), /*non_blocking=*/true)
                           : edges.to(values.device());
  for (int pass = 0; pass < 2; ++pass) {  // The float log2 can be off by an ulp near an edge.
    pos = pos - at::lt(v, edges.index_select(0, pos)).to(at::kLong) +
          at::ge(v, edges.index_select(0, pos + 1)).to(at::kLong);
  }
  const at::Tensor slots = at::where(finite, pos, at::full({}, bins + 2, pos.options()));
  // index_add_, not bincount: CUDA's bincount reads the input's min and max back to the host,
  // two synchronizations per histogram.
  const at::Tensor counts = at::zeros({bins + 3}, slots.options())
                                .index_add_(0, slots, at::ones_like(slots))
                                .to(at::kDouble);
  const float inf = std::numeric_limits<float>::infinity();
  const at::Tensor xf = at::where(finite, x, at::zeros({}, x.options())).to(at::kDouble);
  const at::Tensor stats = at::stack({
      at::eq(x, 0).sum().to(at::kDouble),
      at::where(finite, x, at::full({}, inf, x.options())).min().to(at::kDouble),
      at::where(finite, x, at::full({}, -inf, x.options())).max().to(at::kDouble),
      xf.sum(),
      xf.square().sum(),
  });
  return at::cat({counts, stats});
}

class ReadyHistogram : public PendingHistogram {
 public:
  explicit ReadyHistogram(HistogramResult result) : result_(std::move(result)) {}
  bool Ready() override { return true; }
  absl::StatusOr<HistogramResult> Take() override { return std::move(result_); }

 private:
  HistogramResult result_;
};

// A result in pinned host memory that becomes valid when `event` completes.
class EventHistogram : public PendingHistogram {
 public:
  EventHistogram(at::Tensor host, c10::Event event, uint32_t bins)
      : host_(std::move(host)), event_(std::move(event)), bins_(bins) {}
  bool Ready() override {
    try {
      return event_.query();
    } catch (const c10::Error& e) {
      return true;  // Take() reports the failure.
    }
  }
  absl::StatusOr<HistogramResult> Take() override {
    try {
      while (!event_.query()) std::this_thread::yield();  // c10::Event cannot block here.
      return Unpack(host_, bins_);
    } catch (const c10::Error& e) {
      return absl::InternalError(absl::StrCat("device histogram: ", e.what_without_backtrace()));
    }
  }

 private:
  at::Tensor host_;
  c10::Event event_;
  uint32_t bins_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<PendingHistogram>> LaunchDeviceHistogram(const at::Tensor& values,
                                                                        const BinLayout& layout) {
  if (absl::Status s = ValidateLayout(layout); !s.ok()) return s;
  const at::ScalarType dtype = values.scalar_type();
  if (!IsHistogramDtype(dtype)) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram: unsupported dtype ", c10::toString(dtype)));
  }
  const HistogramPlan plan(layout);
  if (values.numel() == 0) {
    HistogramResult empty;
    empty.counts.assign(layout.bins, 0);
    return std::make_unique<ReadyHistogram>(std::move(empty));
  }
  try {
    c10::InferenceMode inference;
    const at::Tensor packed = PackedHistogram(values, plan);
    const c10::Device device = values.device();
    if (device.is_cpu()) {
      return std::make_unique<ReadyHistogram>(Unpack(packed, plan.bins));
    }
    if (!device.is_cuda()) {
      return std::make_unique<ReadyHistogram>(Unpack(packed.to(at::kCPU), plan.bins));
    }
    at::Tensor host =
        at::empty(packed.sizes(), packed.options().device(at::kCPU).pinned_memory(true));
    host.copy_(packed, /*non_blocking=*/true);
    const c10::Stream stream = c10::impl::getDeviceGuardImpl(device.type())->getStream(device);
    c10::Event event(device.type());
    event.record(stream);
    return std::make_unique<EventHistogram>(std::move(host), std::move(event), plan.bins);
  } catch (const c10::Error& e) {
    return absl::InternalError(
        absl::StrCat("histogram on ", values.device().str(), ": ", e.what_without_backtrace()));
  }
}

absl::StatusOr<std::unique_ptr<PendingHistogram>> StartHistogram(const at::Tensor& values,
                                                                 const HistogramPlan& plan) {
  try {
    if (values.defined() && !values.device().is_cpu()) {
      return LaunchDeviceHistogram(values, plan.layout);
    }
  } catch (const c10::Error& e) {
    return absl::InternalError(absl::StrCat("histogram: ", e.what_without_backtrace()));
  }
  absl::StatusOr<HistogramResult> result = ComputeHistogramWithPlan(values, plan);
  if (!result.ok()) return result.status();
  return std::make_unique<ReadyHistogram>(*std::move(result));
}

absl::StatusOr<HistogramResult> ComputeHistogramWithOps(const at::Tensor& values,
                                                        const BinLayout& layout) {
  absl::StatusOr<std::unique_ptr<PendingHistogram>> pending = LaunchDeviceHistogram(values, layout);
  if (!pending.ok()) return pending.status();
  return (*pending)->Take();
}

}  // namespace actiscope::client
