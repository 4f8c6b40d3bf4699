#include "server/store/series_block.h"

#include <random>

#include "common/report_limits.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

std::vector<StepHistogram> RandomSteps(int n, uint32_t bins, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<StepHistogram> steps(n);
  int64_t step = 3;
  for (StepHistogram& s : steps) {
    s.step = step;
    step += 1 + static_cast<int64_t>(rng() % 3);
    s.values.counts.resize(bins);
    for (uint64_t& c : s.values.counts) {
      c = rng() % 5000;
      s.values.elements += c;
    }
    s.values.below = rng() % 7;
    s.values.above = rng() % 7;
    s.values.nonfinite = rng() % 2;
    s.values.zeros = rng() % 100;
    s.values.elements += s.values.below + s.values.above + s.values.nonfinite;
    s.values.min = -static_cast<float>(rng() % 1000) / 7.0f;
    s.values.max = static_cast<float>(rng() % 1000) / 3.0f;
    s.values.sum = 1.5;
    s.values.sum_squares = 1024.25;
  }
  return steps;
}

std::string Encode(uint32_t bins, const std::vector<StepHistogram>& steps) {
  std::vector<int64_t> at;
  std::vector<const HistogramSums*> values;
  for (const StepHistogram& s : steps) {
    at.push_back(s.step);
    values.push_back(&s.values);
  }
  return EncodeSeriesBlock(bins, at, values);
}

TEST(SeriesBlockTest, RoundTripsCountsStatsAndSteps) {
  const std::vector<StepHistogram> steps = RandomSteps(100, 40, 7);
  const std::string block = Encode(40, steps);
  absl::StatusOr<std::vector<StepHistogram>> decoded = DecodeSeriesBlock(block, 40);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const HistogramSums& a = steps[i].values;
    const HistogramSums& b = (*decoded)[i].values;
    EXPECT_EQ((*decoded)[i].step, steps[i].step);
    EXPECT_EQ(b.counts, a.counts);
    EXPECT_EQ(b.below, a.below);
    EXPECT_EQ(b.above, a.above);
    EXPECT_EQ(b.zeros, a.zeros);
    EXPECT_EQ(b.nonfinite, a.nonfinite);
    EXPECT_EQ(b.elements, a.elements);
    EXPECT_EQ(b.min, a.min);
    EXPECT_EQ(b.max, a.max);
    EXPECT_EQ(b.sum, a.sum);  // Exactly representable as float32.
    EXPECT_EQ(b.sum_squares, a.sum_squares);
  }
}

TEST(SeriesBlockTest, RoundTripsHugeCountsAndOneStep) {
  std::vector<StepHistogram> steps = RandomSteps(3, 4, 3);
  steps[1].values.counts[2] = uint64_t{1} << 62;  // Takes the Rice escape.
  steps[2].values.counts[0] = 0;
  for (size_t n : {size_t{1}, size_t{3}}) {
    const std::vector<StepHistogram> part(steps.begin(), steps.begin() + n);
    absl::StatusOr<std::vector<StepHistogram>> decoded = DecodeSeriesBlock(Encode(4, part), 4);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    ASSERT_EQ(decoded->size(), n);
    for (size_t i = 0; i < n; ++i) EXPECT_EQ((*decoded)[i].values.counts, part[i].values.counts);
  }
}

// Steps are stored as deltas: a damaged block whose steps pass 2^53 - 1 is DATA_LOSS (found by
// tests/fuzz/series_block_fuzzer as a signed overflow), while the largest step decodes.
TEST(SeriesBlockTest, StepsBeyondTheStepLimitAreDataLoss) {
  std::vector<StepHistogram> steps = RandomSteps(2, 4, 5);
  steps[0].step = 0;
  steps[1].step = kMaxStep;
  absl::StatusOr<std::vector<StepHistogram>> largest = DecodeSeriesBlock(Encode(4, steps), 4);
  ASSERT_TRUE(largest.ok()) << largest.status();
  EXPECT_EQ((*largest)[1].step, kMaxStep);
  steps[0].step = 5;
  steps[1].step = kMaxStep + 6;
  EXPECT_EQ(DecodeSeriesBlock(Encode(4, steps), 4).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SeriesBlockTest, RejectsWrongBinsAndCorruptBlobs) {
  const std::string block = Encode(8, RandomSteps(5, 8, 1));
  EXPECT_EQ(DecodeSeriesBlock(block, 9).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSeriesBlock("garbage", 8).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(DecodeSeriesBlock(block.substr(0, block.size() / 2), 8).status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace actiscope::server
