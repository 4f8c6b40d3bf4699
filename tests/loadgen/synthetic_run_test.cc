#include "tests/loadgen/synthetic_run.h"

#include <algorithm>
#include <numeric>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"

namespace actiscope::loadgen {
namespace {

using ::testing::ElementsAre;

uint64_t Sum(const std::vector<uint64_t>& v) { return std::accumulate(v.begin(), v.end(), 0ULL); }

SyntheticRunOptions Options() {
  SyntheticRunOptions options;
  options.seed = 7;
  options.layers = 5;
  options.bins = 40;
  options.steps = 1000;
  options.kinds = {v1::KIND_ACTIVATION, v1::KIND_GRADIENT, v1::KIND_WEIGHT};
  return options;
}

TEST(SyntheticRunTest, NamesLayersLikeAResNetUpToFive) {
  EXPECT_THAT(SyntheticRun::LayerNames(5),
              ElementsAre("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"));
  EXPECT_THAT(SyntheticRun::LayerNames(2), ElementsAre("conv1", "conv2_x"));
  EXPECT_THAT(SyntheticRun::LayerNames(6),
              ElementsAre("layer_0", "layer_1", "layer_2", "layer_3", "layer_4", "layer_5"));
}

TEST(SyntheticRunTest, UsesGivenLayerNames) {
  SyntheticRunOptions options = Options();
  options.layers = 2;
  options.layer_names = {"stem", "<b>head</b>"};
  SyntheticRun run(options, 0);
  EXPECT_THAT(run.layer_names(), ElementsAre("stem", "<b>head</b>"));
  codec::FrameBatchBuilder builder;
  run.AddSteps(0, 1, &builder);
  const v1::FrameBatch batch = builder.Take();
  EXPECT_EQ(batch.frames(0).layer(), "stem");
  EXPECT_EQ(batch.frames(batch.frames_size() - 1).layer(), "<b>head</b>");
}

TEST(SyntheticRunTest, EveryFrameIsConsistentAndDecodes) {
  SyntheticRun run(Options(), 0);
  codec::FrameBatchBuilder builder;
  run.AddSteps(0, 1000, &builder);
  const v1::FrameBatch batch = builder.Take();
  ASSERT_EQ(batch.frames_size(), 1000 * 5 * 3);
  EXPECT_EQ(batch.scalars_size(), 1000 * 2);
  absl::StatusOr<std::vector<std::vector<uint64_t>>> counts = codec::DecodeBatchCounts(batch);
  ASSERT_TRUE(counts.ok()) << counts.status();
  for (int i = 0; i < batch.frames_size(); ++i) {
    const v1::HistogramStats& s = batch.frames(i).stats();
    ASSERT_EQ(Sum((*counts)[i]) + s.below() + s.above() + s.nonfinite(), s.elements());
    ASSERT_GE(s.elements(), 50'000u);
    ASSERT_LE(s.elements(), 800'000u);
    ASSERT_LE(s.min(), s.max());
  }
}

TEST(SyntheticRunTest, SameSeedGivesSameHistogramsAndOtherSeedsDiffer) {
  SyntheticRunOptions other = Options();
  other.seed = 8;
  SyntheticRun a(Options(), 3), b(Options(), 3), c(other, 3), d(Options(), 4);
  EXPECT_EQ(a.Histogram(1, v1::KIND_ACTIVATION, 123).counts,
            b.Histogram(1, v1::KIND_ACTIVATION, 123).counts);
  EXPECT_NE(a.Histogram(1, v1::KIND_ACTIVATION, 123).counts,
            c.Histogram(1, v1::KIND_ACTIVATION, 123).counts);
  EXPECT_NE(a.Histogram(1, v1::KIND_ACTIVATION, 123).counts,
            d.Histogram(1, v1::KIND_ACTIVATION, 123).counts);
}

TEST(SyntheticRunTest, CollapsingLayerConcentratesOverTheRun) {
  SyntheticRun run(Options(), 0);
  auto occupied_bins = [](const SyntheticHistogram& h) {
    return std::count_if(h.counts.begin(), h.counts.end(), [&](uint64_t c) {
      return static_cast<double>(c) > 0.005 * static_cast<double>(h.stats.elements());
    });
  };
  // Layer 2 (every third layer) collapses to a tenth of its spread.
  EXPECT_LT(3 * occupied_bins(run.Histogram(2, v1::KIND_ACTIVATION, 999)),
            occupied_bins(run.Histogram(2, v1::KIND_ACTIVATION, 0)));
}

TEST(SyntheticRunTest, LastLayerTurnsNonFiniteNearTheEndOnly) {
  SyntheticRun run(Options(), 0);
  EXPECT_EQ(run.Histogram(4, v1::KIND_ACTIVATION, 10).stats.nonfinite(), 0u);
  EXPECT_GT(run.Histogram(4, v1::KIND_ACTIVATION, 950).stats.nonfinite(), 0u);
  EXPECT_EQ(run.Histogram(0, v1::KIND_ACTIVATION, 950).stats.nonfinite(), 0u);
}

TEST(SyntheticRunTest, ScalarsAreLossAndLearningRate) {
  SyntheticRun run(Options(), 0);
  std::vector<v1::Scalar> first = run.Scalars(0), last = run.Scalars(999);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].name(), "loss");
  EXPECT_EQ(first[1].name(), "lr");
  EXPECT_EQ(last[0].step(), 999);
  EXPECT_GT(first[0].value(), last[0].value());
  EXPECT_GT(first[1].value(), last[1].value());
}

}  // namespace
}  // namespace actiscope::loadgen
