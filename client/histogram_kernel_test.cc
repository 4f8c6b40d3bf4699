#include "client/histogram_kernel.h"

#include <ATen/ATen.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "actiscope/client/histogram.h"
#include "client/histogram_test_reference.h"
#include "common/bin_layout.h"
#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const BinLayout kLinear{BinScale::kLinear, 40, -2, 3};
const BinLayout kLog{BinScale::kLogMagnitude, 48, 1e-8, 1e4};

std::vector<float> Normal(size_t n, uint32_t seed, float mean, float stddev) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(mean, stddev);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Bin edges as floats, and their float neighbours: the values most likely to be misbinned.
std::vector<float> EdgeValues(const BinLayout& layout) {
  std::vector<float> v;
  for (double e : BinEdges(layout)) {
    const float f = static_cast<float>(e);
    for (float x : {f, std::nextafter(f, kInf), std::nextafter(f, -kInf)}) {
      v.push_back(x);
      v.push_back(-x);
    }
  }
  return v;
}

std::vector<float> Adversarial(const BinLayout& layout) {
  std::vector<float> v = EdgeValues(layout);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float denorm = std::numeric_limits<float>::denorm_min();
  for (float x : {nan, -nan, kInf, -kInf, 0.0f, -0.0f, denorm, -denorm, 1e-40f, -3e-39f,
                  std::numeric_limits<float>::min(), std::numeric_limits<float>::max(),
                  -std::numeric_limits<float>::max(), 1e30f, -1e30f}) {
    v.push_back(x);
  }
  std::vector<float> normal = Normal(37, 7, 0, 1);
  v.insert(v.end(), normal.begin(), normal.end());
  return v;
}

HistogramResult WithKernel(const std::vector<float>& v, const BinLayout& layout, bool avx2) {
  HistogramPlan plan(layout);
  HistogramAccumulator acc(plan);
  if (avx2) {
    AccumulateAvx2(v.data(), v.size(), &acc);
  } else {
    AccumulateScalar(v.data(), v.size(), &acc);
  }
  return acc.Result();
}

class KernelTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam() && !CpuHasAvx2()) GTEST_SKIP() << "no AVX2 on this processor";
  }
  bool avx2() const { return GetParam(); }
};

TEST_P(KernelTest, RandomNormalMatchesReference) {
  for (size_t n : {1, 7, 8, 9, 1000, 100003}) {
    const std::vector<float> v = Normal(n, static_cast<uint32_t>(n), 0.5f, 1.5f);
    ExpectSameHistogram(ReferenceHistogram(v, kLinear), WithKernel(v, kLinear, avx2()));
    ExpectSameHistogram(ReferenceHistogram(v, kLog), WithKernel(v, kLog, avx2()));
  }
}

TEST_P(KernelTest, AdversarialValuesMatchReference) {
  for (const BinLayout& layout :
       {kLinear, kLog, BinLayout{}, BinLayout{BinScale::kLinear, 7, 0.1, 0.3},
        BinLayout{BinScale::kLogMagnitude, 30, 1e-42, 1e-30}}) {
    const std::vector<float> v = Adversarial(layout);
    ExpectSameHistogram(ReferenceHistogram(v, layout), WithKernel(v, layout, avx2()));
  }
}

TEST_P(KernelTest, LogMagnitudeSpreadOverDecadesMatchesReference) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> exponent(-45, 38);
  std::vector<float> v(50000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = (i % 2 ? -1.0f : 1.0f) * std::pow(10.0f, exponent(rng));
  }
  ExpectSameHistogram(ReferenceHistogram(v, kLog), WithKernel(v, kLog, avx2()));
}

TEST_P(KernelTest, EmptyInputHasNoElementsAndZeroMinMax) {
  const HistogramResult r = WithKernel({}, kLinear, avx2());
  EXPECT_EQ(r.elements, 0u);
  EXPECT_EQ(r.counts, std::vector<uint64_t>(40, 0));
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

TEST_P(KernelTest, OnlyNonFiniteValuesGiveZeroMinMax) {
  const HistogramResult r = WithKernel(std::vector<float>(16, kInf), kLinear, avx2());
  EXPECT_EQ(r.nonfinite, 16u);
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

INSTANTIATE_TEST_SUITE_P(ScalarAndAvx2, KernelTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Avx2" : "Scalar"; });

TEST(ComputeHistogramTest, InvalidLayoutIsRejected) {
  const absl::StatusOr<HistogramResult> r =
      ComputeHistogram(at::zeros({4}), BinLayout{BinScale::kLinear, 10, 2, 1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ComputeHistogramTest, UnsupportedDtypeIsRejected) {
  EXPECT_EQ(ComputeHistogram(at::zeros({4}, at::kDouble), kLinear).status().code(),
            absl::StatusCode::kInvalidArgument);
}

std::vector<float> AsFloats(const at::Tensor& t) {
  const at::Tensor c = t.to(at::kFloat).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

TEST(ComputeHistogramTest, NonContiguousTensorsMatchReference) {
  at::manual_seed(3);
  const at::Tensor base = at::randn({6, 5, 33, 9}) * 2;
  for (const at::Tensor& t :
       {base.transpose(1, 3), base.slice(2, 1, 30, 3), base.permute({2, 0, 3, 1}).select(1, 4),
        base.contiguous(at::MemoryFormat::ChannelsLast), base.select(3, 2), base.view({-1})[17]}) {
    const absl::StatusOr<HistogramResult> r = ComputeHistogram(t, kLinear);
    ASSERT_TRUE(r.ok()) << r.status();
    ExpectSameHistogram(ReferenceHistogram(AsFloats(t), kLinear), *r);
  }
}

TEST(ComputeHistogramTest, HalfAndBFloat16MatchReferenceOfTheirValues) {
  at::manual_seed(4);
  const at::Tensor base = at::randn({70, 130}) * 3;
  for (at::ScalarType dtype : {at::kHalf, at::kBFloat16}) {
    const at::Tensor t = base.to(dtype);
    for (const at::Tensor& view : {t, t.t()}) {
      for (const BinLayout& layout : {kLinear, kLog}) {
        const absl::StatusOr<HistogramResult> r = ComputeHistogram(view, layout);
        ASSERT_TRUE(r.ok()) << r.status();
        ExpectSameHistogram(ReferenceHistogram(AsFloats(view), layout), *r);
      }
    }
  }
}

TEST(ComputeHistogramTest, ThreadedLargeTensorEqualsSingleThread) {
  at::manual_seed(5);
  const at::Tensor t = at::randn({4, 1 << 20});
  const absl::StatusOr<HistogramResult> one = ComputeHistogram(t, kLinear, 1);
  const absl::StatusOr<HistogramResult> four = ComputeHistogram(t, kLinear, 4);
  ASSERT_TRUE(one.ok() && four.ok());
  EXPECT_EQ(one->counts, four->counts);
  EXPECT_EQ(one->elements, four->elements);
  EXPECT_NEAR(one->sum, four->sum, 1e-6 * one->sum_squares);
  ExpectSameHistogram(ReferenceHistogram(AsFloats(t), kLinear), *four);
}

TEST(ComputeHistogramTest, MergeOfHalvesEqualsWhole) {
  const std::vector<float> v = Normal(1000, 9, 0, 1);
  HistogramResult first = ComputeHistogram(v.data(), 500, kLinear);
  MergeHistogram(ComputeHistogram(v.data() + 500, 500, kLinear), &first);
  ExpectSameHistogram(ReferenceHistogram(v, kLinear), first);
}

}  // namespace
}  // namespace actiscope::client
