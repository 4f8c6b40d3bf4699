#include "client/device_histogram.h"

#include <ATen/ATen.h>
#include <torch/cuda.h>

#include <limits>

#include "client/histogram_test_reference.h"
#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

const BinLayout kLinear{BinScale::kLinear, 40, -2, 3};
const BinLayout kLog{BinScale::kLogMagnitude, 48, 1e-8, 1e4};

at::Tensor Adversarial() {
  const float inf = std::numeric_limits<float>::infinity();
  at::manual_seed(8);
  at::Tensor special = at::tensor({std::numeric_limits<float>::quiet_NaN(), inf, -inf, 0.0f, -0.0f,
                                   1e-40f, -2.0f, 3.0f, 1.875f, 1e-8f, 1e4f, 1e30f});
  return at::cat({special, at::randn({5000}) * 2});
}

std::vector<float> AsFloats(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

TEST(DeviceHistogramTest, OpPathOnCpuMatchesReference) {
  const at::Tensor t = Adversarial();
  for (const BinLayout& layout : {kLinear, kLog}) {
    const absl::StatusOr<HistogramResult> r = ComputeHistogramWithOps(t, layout);
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectSameHistogram(ReferenceHistogram(AsFloats(t), layout), *r);
  }
}

TEST(DeviceHistogramTest, OpPathHandlesStridedHalfAndEmpty) {
  const at::Tensor t = (at::randn({30, 40}) * 2).to(at::kHalf).t();
  const absl::StatusOr<HistogramResult> r = ComputeHistogramWithOps(t, kLinear);
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectSameHistogram(ReferenceHistogram(AsFloats(t), kLinear), *r);
  const absl::StatusOr<HistogramResult> empty = ComputeHistogramWithOps(at::zeros({0, 3}), kLinear);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->elements, 0u);
}

TEST(DeviceHistogramTest, CpuLaunchIsReadyAtOnce) {
  absl::StatusOr<std::unique_ptr<PendingHistogram>> pending =
      LaunchDeviceHistogram(at::ones({10}), kLinear);
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE((*pending)->Ready());
  EXPECT_EQ((*pending)->Take()->elements, 10u);
}

TEST(DeviceHistogramTest, CudaResultArrivesAsynchronouslyAndMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  const at::Tensor t = Adversarial();
  absl::StatusOr<std::unique_ptr<PendingHistogram>> pending =
      LaunchDeviceHistogram(t.to(at::Device(at::kCUDA, 0)), kLinear);
  ASSERT_TRUE(pending.ok()) << pending.status();
  const absl::StatusOr<HistogramResult> r = (*pending)->Take();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectSameHistogram(ReferenceHistogram(AsFloats(t), kLinear), *r);
}

}  // namespace
}  // namespace actiscope::client
