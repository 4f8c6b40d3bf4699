#include "tests/loadgen/synthetic_run.h"

#include <algorithm>
#include <cmath>
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

// The share of elements in the bin holding 0, as the server's collapse rule measures it
// (server/alerts/series_detector.cc).
double ZeroBinShare(const SyntheticRun& run, int layer, int64_t step) {
  const BinLayout layout = run.Layout(layer, v1::KIND_ACTIVATION);
  const SyntheticHistogram h = run.Histogram(layer, v1::KIND_ACTIVATION, step);
  const double width = (layout.hi - layout.lo) / layout.bins;
  const size_t bin = std::min<size_t>(static_cast<size_t>(-layout.lo / width), h.counts.size() - 1);
  return static_cast<double>(h.counts[bin]) / static_cast<double>(h.stats.elements());
}

TEST(SyntheticRunTest, HealthyPatternNeitherNarrowsNorTurnsNonFinite) {
  SyntheticRunOptions options = Options();
  options.pattern = SyntheticPattern::kHealthy;
  SyntheticRun run(options, 0);
  EXPECT_EQ(run.Histogram(4, v1::KIND_ACTIVATION, 950).stats.nonfinite(), 0u);
  EXPECT_EQ(run.Histogram(4, v1::KIND_GRADIENT, 999).stats.nonfinite(), 0u);
  const auto std_of = [&](int64_t step) {
    const v1::HistogramStats s = run.Histogram(2, v1::KIND_ACTIVATION, step).stats;
    const double n = static_cast<double>(s.elements() - s.zeros());
    return std::sqrt(s.sum_squares() / n - (s.sum() / n) * (s.sum() / n));
  };
  EXPECT_GT(std_of(999), 0.5 * std_of(0));
  for (int layer = 0; layer < 5; ++layer) EXPECT_LT(ZeroBinShare(run, layer, 999), 0.9);
}

TEST(SyntheticRunTest, CollapseStepPutsNearlyEveryValueOfLayerOneInTheZeroBinFromThatStep) {
  SyntheticRunOptions options = Options();
  options.pattern = SyntheticPattern::kHealthy;
  options.collapse_step = 100;
  SyntheticRun run(options, 0);
  SyntheticRunOptions plain_options = options;
  plain_options.collapse_step = -1;
  SyntheticRun plain(plain_options, 0);
  ASSERT_EQ(run.collapse_layer(), 1);
  EXPECT_LT(ZeroBinShare(run, 1, 99), 0.5);
  for (int64_t step : {100, 101, 150, 999}) EXPECT_GT(ZeroBinShare(run, 1, step), 0.99) << step;
  const SyntheticHistogram h = run.Histogram(1, v1::KIND_ACTIVATION, 150);
  EXPECT_EQ(Sum(h.counts) + h.stats.below() + h.stats.above() + h.stats.nonfinite(),
            h.stats.elements());
  // Other layers and kinds are what they were without it.
  EXPECT_EQ(run.Histogram(0, v1::KIND_ACTIVATION, 150).counts,
            plain.Histogram(0, v1::KIND_ACTIVATION, 150).counts);
  EXPECT_EQ(run.Histogram(1, v1::KIND_GRADIENT, 150).counts,
            plain.Histogram(1, v1::KIND_GRADIENT, 150).counts);
}

TEST(SyntheticRunTest, NonfiniteStepGivesTheLastLayerNonFiniteValuesAtThatStepOnly) {
  SyntheticRunOptions options = Options();
  options.pattern = SyntheticPattern::kHealthy;
  options.nonfinite_step = 200;
  SyntheticRun run(options, 0);
  ASSERT_EQ(run.nonfinite_layer(), 4);
  for (v1::Kind kind : options.kinds) {
    EXPECT_EQ(run.Histogram(4, kind, 199).stats.nonfinite(), 0u);
    EXPECT_GT(run.Histogram(4, kind, 200).stats.nonfinite(), 0u);
    EXPECT_EQ(run.Histogram(4, kind, 201).stats.nonfinite(), 0u);
    EXPECT_EQ(run.Histogram(3, kind, 200).stats.nonfinite(), 0u);
  }
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
