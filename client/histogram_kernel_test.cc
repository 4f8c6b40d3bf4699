#include "client/histogram_kernel.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <xmmintrin.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "actiscope/client/histogram.h"
#include "client/histogram_tensor.h"
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

const BinLayout kAdversarialLayouts[] = {
    kLinear, kLog, BinLayout{}, BinLayout{BinScale::kLinear, 7, 0.1, 0.3},
    BinLayout{BinScale::kLinear, 40, -4, 4}, BinLayout{BinScale::kLinear, 1, -1e30, 1e30},
    BinLayout{BinScale::kLinear, 1024, -1, 1}, BinLayout{BinScale::kLogMagnitude, 30, 1e-42, 1e-30},
    BinLayout{BinScale::kLogMagnitude, 1024, 1e-30, 1e30},
    // The AVX-512 kernel counts bits up to 62 bins and leaves wider layouts to AVX2.
    BinLayout{BinScale::kLinear, 62, -3, 5}, BinLayout{BinScale::kLinear, 63, -3, 5},
    BinLayout{BinScale::kLogMagnitude, 62, 1e-8, 1e8},
    BinLayout{BinScale::kLinear, 40, 0, 10},       // Zero on the lowest edge.
    BinLayout{BinScale::kLinear, 40, 1000, 1001},  // A far origin: a coarse biased offset.
};

HistogramResult WithKernel(const std::vector<float>& v, const BinLayout& layout, KernelPath path) {
  HistogramPlan plan(layout);
  HistogramAccumulator acc(plan);
  Accumulate(path, v.data(), v.size(), &acc);
  return acc.Result();
}

// Every kernel path, skipped where the processor lacks it.
class KernelTest : public ::testing::TestWithParam<KernelPath> {
 protected:
  void SetUp() override {
    if (!CpuSupports(path()))
      GTEST_SKIP() << "this processor cannot run " << KernelPathName(path());
  }
  KernelPath path() const { return GetParam(); }
  void ExpectMatchesReference(const std::vector<float>& v, const BinLayout& layout) {
    ExpectSameHistogram(ReferenceHistogram(v, layout), WithKernel(v, layout, path()));
  }
};

TEST_P(KernelTest, RandomNormalMatchesReference) {
  for (size_t n : {1, 7, 8, 9, 1000, 100003}) {
    const std::vector<float> v = Normal(n, static_cast<uint32_t>(n), 0.5f, 1.5f);
    ExpectSameHistogram(ReferenceHistogram(v, kLinear), WithKernel(v, kLinear, path()));
    ExpectSameHistogram(ReferenceHistogram(v, kLog), WithKernel(v, kLog, path()));
  }
}

TEST_P(KernelTest, AdversarialValuesMatchReference) {
  for (const BinLayout& layout : kAdversarialLayouts) {
    const std::vector<float> v = Adversarial(layout);
    ExpectSameHistogram(ReferenceHistogram(v, layout), WithKernel(v, layout, path()));
  }
}

TEST_P(KernelTest, LogMagnitudeSpreadOverDecadesMatchesReference) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> exponent(-45, 38);
  std::vector<float> v(50000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = (i % 2 ? -1.0f : 1.0f) * std::pow(10.0f, exponent(rng));
  }
  ExpectSameHistogram(ReferenceHistogram(v, kLog), WithKernel(v, kLog, path()));
}

TEST_P(KernelTest, DenormalsAreBinnedExactlyWhenTheCallerFlushesThem) {
  // torch.set_flush_denormal(True) sets FTZ and DAZ: the plan and kernel must not see them.
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> exponent(-45.5f, -30);
  std::vector<float> v(20000);
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] = (i % 2 ? -1.0f : 1.0f) * std::pow(10.0f, exponent(rng));
  }
  for (const BinLayout& layout : {BinLayout{BinScale::kLogMagnitude, 30, 1e-42, 1e-30},
                                  BinLayout{BinScale::kLinear, 40, -1e-38, 1e-38}}) {
    const HistogramResult expected = ReferenceHistogram(v, layout);
    const unsigned saved = _mm_getcsr();
    _mm_setcsr(saved | 0x8040);  // FTZ and DAZ.
    const HistogramResult actual = WithKernel(v, layout, path());
    const unsigned during = _mm_getcsr();
    _mm_setcsr(saved);
    EXPECT_EQ(during, saved | 0x8040) << "the caller's flags are restored";
    ExpectSameHistogram(expected, actual);
  }
}

TEST_P(KernelTest, EmptyInputHasNoElementsAndZeroMinMax) {
  const HistogramResult r = WithKernel({}, kLinear, path());
  EXPECT_EQ(r.elements, 0u);
  EXPECT_EQ(r.counts, std::vector<uint64_t>(40, 0));
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

TEST_P(KernelTest, OnlyNonFiniteValuesGiveZeroMinMax) {
  const HistogramResult r = WithKernel(std::vector<float>(16, kInf), kLinear, path());
  EXPECT_EQ(r.nonfinite, 16u);
  EXPECT_EQ(r.min, 0);
  EXPECT_EQ(r.max, 0);
}

// Lengths around the vector widths (8, 16), the unrolled widths and the chunk (65536).
TEST_P(KernelTest, EveryLengthMatchesReference) {
  const std::vector<float> base = Normal(70000, 21, 0, 2);
  // Around the vector widths, AVX-512's shortest counted chunk (1,024), its blocks of 128
  // values and 2,048 values (the carries it adds at once), and the 65,536-value chunks.
  for (size_t n : {0,    1,    2,    7,    8,    9,     15,    16,    17,         31,
                   33,   63,   65,   127,  255,  257,   1023,  1024,  1025,       1040,
                   1151, 2047, 2048, 2049, 4223, 65535, 65536, 65537, 65536 + 31, 70000}) {
    const std::vector<float> v(base.begin(), base.begin() + n);
    ExpectMatchesReference(v, kLinear);
    ExpectMatchesReference(v, kLog);
  }
}

// The adversarial values spread through a long normal tensor, at every lane position and in
// every chunk, with and without non-finite values (a chunk holding one is redone).
TEST_P(KernelTest, AdversarialValuesInLongTensorsMatchReference) {
  std::mt19937 rng(17);
  for (const BinLayout& layout : kAdversarialLayouts) {
    for (bool with_nonfinite : {false, true}) {
      std::vector<float> special;
      for (float x : Adversarial(layout)) {
        if (with_nonfinite || std::isfinite(x)) special.push_back(x);
      }
      std::vector<float> v = Normal(3 * 65536 + 13, 5, 0, 3);
      std::uniform_int_distribution<size_t> where(0, v.size() - 1);
      for (size_t i = 0; i < 4 * special.size(); ++i) v[where(rng)] = special[i % special.size()];
      SCOPED_TRACE(testing::Message() << "bins " << layout.bins << " lo " << layout.lo
                                      << (with_nonfinite ? " with" : " without") << " NaN/Inf");
      ExpectMatchesReference(v, layout);
    }
  }
}

// Whole tensors of one repeated value: every lane on the same slot, the worst case for
// the sub-histograms, for each edge, at lo and hi, each special value and zeros; then a few
// values over whole chunks, which fill every one of AVX-512's bit planes.
TEST_P(KernelTest, AllElementsInOneBinMatchReference) {
  for (const BinLayout& layout : {kLinear, kLog}) {
    for (float x : {0.0f, 0.75f, static_cast<float>(layout.lo), -1e-3f}) {
      const std::vector<float> v(2 * 65536 + 1031, x);
      SCOPED_TRACE(testing::Message() << "value " << x << " in whole chunks");
      ExpectMatchesReference(v, layout);
    }
  }
  for (const BinLayout& layout : {kLinear, kLog}) {
    std::vector<float> values = Adversarial(layout);
    values.push_back(static_cast<float>(layout.lo));
    values.push_back(static_cast<float>(layout.hi));
    for (float x : values) {
      const std::vector<float> v(1000 + 7, x);
      SCOPED_TRACE(testing::Message() << "value " << x);
      ExpectMatchesReference(v, layout);
    }
  }
}

TEST_P(KernelTest, HalfAndBFloat16OfEveryBitPatternMatchReference) {
  std::vector<uint16_t> bits(1 << 16);
  for (size_t i = 0; i < bits.size(); ++i) bits[i] = static_cast<uint16_t>(i);
  std::vector<float> half(bits.size()), bfloat(bits.size());
  HalfToFloat(path(), bits.data(), bits.size(), half.data());
  BFloat16ToFloat(path(), bits.data(), bits.size(), bfloat.data());
  for (size_t i = 0; i < bits.size(); ++i) {
    const float h = HalfBitsToFloat(bits[i]), b = BFloat16BitsToFloat(bits[i]);
    if (std::isnan(h)) {
      EXPECT_TRUE(std::isnan(half[i])) << i;
    } else {
      EXPECT_EQ(std::memcmp(&h, &half[i], sizeof h), 0) << i << ": " << half[i] << " " << h;
    }
    if (std::isnan(b)) {
      EXPECT_TRUE(std::isnan(bfloat[i])) << i;
    } else {
      EXPECT_EQ(std::memcmp(&b, &bfloat[i], sizeof b), 0) << i << ": " << bfloat[i] << " " << b;
    }
  }
  // Tails, converted-block ends, AVX-512's bit planes with a tail.
  for (size_t n : {size_t{5}, size_t{4096 + 17}, size_t{8192 + 17}, bits.size()}) {
    for (const BinLayout& layout : {kLinear, kLog, BinLayout{BinScale::kLinear, 40, -4, 4}}) {
      HistogramPlan plan(layout);
      HistogramAccumulator from_half(plan), from_bfloat(plan);
      AccumulateHalf(path(), bits.data(), n, &from_half);
      AccumulateBFloat16(path(), bits.data(), n, &from_bfloat);
      ExpectSameHistogram(
          ReferenceHistogram(std::vector<float>(half.begin(), half.begin() + n), layout),
          from_half.Result());
      ExpectSameHistogram(
          ReferenceHistogram(std::vector<float>(bfloat.begin(), bfloat.begin() + n), layout),
          from_bfloat.Result());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryPath, KernelTest, ::testing::ValuesIn(kAllKernelPaths),
                         [](const auto& info) { return std::string(KernelPathName(info.param)); });

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

TEST(ComputeHistogramTest, MidSizeTensorsAreSplitOverTheIntraOpThreads) {
  EXPECT_EQ(SplitParts(2 * kMinElementsPerThread - 1, 2), 1);
  EXPECT_EQ(SplitParts(2 * kMinElementsPerThread, 2), 2);
  EXPECT_EQ(SplitParts(64 * 1024, 2), 2);
  EXPECT_EQ(SplitParts(int64_t{1} << 24, 2), 2);
  EXPECT_EQ(SplitParts(3 * kMinElementsPerThread, 8), 3);
  EXPECT_EQ(SplitParts(int64_t{1} << 24, 0), 1);
  EXPECT_EQ(SplitParts(0, 2), 1);
}

TEST(ComputeHistogramTest, ASplitTensorIsHistogrammedOnSeveralThreads) {
  const int before = at::get_num_threads();
  at::set_num_threads(2);
  const at::Tensor t = at::randn({64, 4096});
  int threads = 0;
  const HistogramResult split = ComputeCpuHistogram(t, HistogramPlan(kLinear), 2, &threads);
  at::set_num_threads(before);
  EXPECT_EQ(threads, 2) << "at::parallel_for ran both pieces on one thread: is "
                           "histogram_tensor.cc compiled with OpenMP?";
  EXPECT_EQ(split.elements, 64u * 4096u);
}

TEST(ComputeHistogramTest, EverySplitOfEveryDtypeAndViewMatchesReference) {
  at::manual_seed(6);
  const at::Tensor base = at::randn({9, 16, 23, 7}) * 2;
  const HistogramPlan plan(kLinear);
  for (at::ScalarType dtype : {at::kFloat, at::kHalf, at::kBFloat16}) {
    const at::Tensor typed = base.to(dtype);
    for (const at::Tensor& t : {typed, typed.contiguous(at::MemoryFormat::ChannelsLast),
                                typed.transpose(0, 2), typed.slice(1, 1, 15, 2)}) {
      const HistogramResult expected = ReferenceHistogram(AsFloats(t), kLinear);
      for (int64_t parts : {1, 2, 3, 8, 100}) {
        SCOPED_TRACE(testing::Message() << c10::toString(dtype) << " " << t.sizes() << " strides "
                                        << t.strides() << " in " << parts << " parts");
        ExpectSameHistogram(expected, ComputeCpuHistogram(t, plan, parts));
      }
    }
  }
}

TEST(ComputeHistogramTest, TensorsHistogrammedTogetherEqualEachAloneToTheLastBit) {
  at::manual_seed(7);
  const HistogramPlan linear(kLinear);
  const HistogramPlan log(kLog);
  // Sizes around the split threshold and the kernel's chunk, every dtype, both scales: each
  // result must equal ComputeCpuHistogram's with the same split, sums included (same pieces,
  // merged in the same order, whichever thread ran them).
  std::vector<at::Tensor> values;
  std::vector<const HistogramPlan*> plans;
  const int64_t sizes[] = {
      0,      1,       100,          2 * kMinElementsPerThread - 1, 2 * kMinElementsPerThread,
      50'176, 200'704, (1 << 16) + 3};
  int i = 0;
  for (int64_t n : sizes) {
    for (at::ScalarType dtype : {at::kFloat, at::kHalf, at::kBFloat16}) {
      values.push_back((at::randn({n}) * 3).relu_().to(dtype));
      plans.push_back(i++ % 2 == 0 ? &linear : &log);
    }
  }
  for (int threads : {1, 2, 3}) {
    SCOPED_TRACE(testing::Message() << threads << " threads");
    const int before = at::get_num_threads();
    at::set_num_threads(threads);
    const std::vector<HistogramResult> together =
        ComputeContiguousCpuHistograms(values, plans, threads);
    at::set_num_threads(before);
    ASSERT_EQ(together.size(), values.size());
    for (size_t k = 0; k < values.size(); ++k) {
      SCOPED_TRACE(testing::Message()
                   << c10::toString(values[k].scalar_type()) << " of " << values[k].numel());
      const HistogramResult alone =
          ComputeCpuHistogram(values[k], *plans[k], SplitParts(values[k].numel(), threads));
      ExpectSameHistogram(alone, together[k]);
      EXPECT_EQ(alone.sum, together[k].sum);
      EXPECT_EQ(alone.sum_squares, together[k].sum_squares);
      ExpectSameHistogram(
          ReferenceHistogram(AsFloats(values[k]), plans[k] == &linear ? kLinear : kLog),
          together[k]);
    }
  }
  EXPECT_TRUE(ComputeContiguousCpuHistograms({}, {}, 2).empty());
  // More threads than pieces, and a thread count other than LibTorch's.
  const std::vector<HistogramResult> one =
      ComputeContiguousCpuHistograms({values[6]}, {&linear}, 3);
  ASSERT_EQ(one.size(), 1u);
  ExpectSameHistogram(ReferenceHistogram(AsFloats(values[6]), kLinear), one[0]);
}

TEST(ComputeHistogramTest, MergeOfHalvesEqualsWhole) {
  const std::vector<float> v = Normal(1000, 9, 0, 1);
  HistogramResult first = ComputeHistogram(v.data(), 500, kLinear);
  MergeHistogram(ComputeHistogram(v.data() + 500, 500, kLinear), &first);
  ExpectSameHistogram(ReferenceHistogram(v, kLinear), first);
}

}  // namespace
}  // namespace actiscope::client
