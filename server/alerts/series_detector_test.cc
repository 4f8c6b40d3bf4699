// Each rule of alert_rules.h fires on a synthetic pathological series at the step the rules
// say, and stays silent on a healthy drifting series.
#include "server/alerts/series_detector.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/alerts/alert_test_frames.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::FrameSpec;
using ::actiscope::server::testing::MakeFrame;
using ::testing::IsEmpty;

// A healthy frame: mean and spread drift slowly with the step, as in training.
FrameSpec Healthy(int64_t step, bool relu) {
  FrameSpec spec;
  spec.mean = 1 + 0.002 * static_cast<double>(step);
  spec.stddev = 1 + 0.001 * static_cast<double>(step);
  spec.relu = relu;
  return spec;
}

// Feeds steps [0, steps) with spec_at(step) and returns every alert reported.
template <typename SpecAt>
std::vector<Alert> Feed(SeriesDetector* detector, Kind kind, int64_t steps, SpecAt spec_at) {
  std::vector<Alert> changed;
  for (int64_t step = 0; step < steps; ++step) {
    detector->Observe(MakeFrame("layer", kind, step, spec_at(step)), RunContext{}, &changed);
  }
  return changed;
}

TEST(SeriesDetectorTest, HealthyDriftingSeriesStaySilent) {
  AlertRules rules;
  for (Kind kind : {Kind::kActivation, Kind::kGradient, Kind::kWeight}) {
    SeriesDetector detector(&rules, kind);
    EXPECT_THAT(Feed(&detector, kind, 300,
                     [&](int64_t step) { return Healthy(step, kind == Kind::kActivation); }),
                IsEmpty())
        << static_cast<int>(kind);
  }
}

TEST(SeriesDetectorTest, CollapseFiresWhenSustainedFromTheStepItBegan) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  // Collapsed from step 50: every value tiny but not exactly zero (so not dead).
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 100, [](int64_t step) {
    if (step < 50) return Healthy(step, true);
    FrameSpec spec;
    spec.mean = 0;
    spec.stddev = 0.01;
    spec.absolute = true;
    return spec;
  });
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, AlertType::kCollapse);
  EXPECT_EQ(alerts[0].first_step, 50);
  EXPECT_EQ(alerts[0].last_step, 50 + rules.sustain_frames - 1);
  EXPECT_FALSE(alerts[0].cleared);
  EXPECT_GT(alerts[0].value, 0.99);
  EXPECT_EQ(alerts[0].threshold, rules.collapse_share);
  EXPECT_EQ(alerts[0].layer, "layer");
}

TEST(SeriesDetectorTest, CollapseClearsWhenTheLayerRecovers) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 100, [](int64_t step) {
    if (step < 10 || step >= 40) return Healthy(step, true);
    FrameSpec spec;
    spec.mean = 0;
    spec.stddev = 0.01;
    spec.absolute = true;
    return spec;
  });
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_FALSE(alerts[0].cleared);
  EXPECT_TRUE(alerts[1].cleared);
  EXPECT_EQ(alerts[1].first_step, 10);
  EXPECT_EQ(alerts[1].last_step, 40);
}

TEST(SeriesDetectorTest, DeadFiresOnExactZeros) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 60, [](int64_t step) {
    if (step < 20) return Healthy(step, true);
    FrameSpec spec;
    spec.mean = -5;
    spec.relu = true;
    return spec;
  });
  // All zeros are in the bin at zero too: collapse and dead both hold from step 20.
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[1].type, AlertType::kDead);
  EXPECT_EQ(alerts[1].first_step, 20);
  EXPECT_GT(alerts[1].value, rules.dead_share);
}

TEST(SeriesDetectorTest, NonfiniteFiresAtItsFirstStepAsCritical) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kGradient);
  std::vector<Alert> alerts = Feed(&detector, Kind::kGradient, 40, [](int64_t step) {
    FrameSpec spec = Healthy(step, false);
    if (step == 33) spec.nans = 3;
    return spec;
  });
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].type, AlertType::kNonfinite);
  EXPECT_EQ(alerts[0].severity, AlertSeverity::kCritical);
  EXPECT_EQ(alerts[0].first_step, 33);
  EXPECT_EQ(alerts[0].value, 3);
  EXPECT_TRUE(alerts[1].cleared);
  EXPECT_EQ(alerts[1].last_step, 34);
  EXPECT_EQ(alerts[1].value, 3);  // The measure while it held, not at the clearing frame.
}

TEST(SeriesDetectorTest, SaturatedFiresWhenActivationsLeaveTheRange) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  auto leaving = [](int64_t step) {
    FrameSpec spec = Healthy(step, false);
    if (step >= 30) spec.mean = 9.5;  // Half the values at or above hi = 10.
    return spec;
  };
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 60, leaving);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, AlertType::kSaturated);
  EXPECT_EQ(alerts[0].first_step, 30);

  // Weights past their display range are not saturation (alert_rules.h).
  SeriesDetector weights(&rules, Kind::kWeight);
  EXPECT_THAT(Feed(&weights, Kind::kWeight, 60, leaving), IsEmpty());
}

TEST(SeriesDetectorTest, ExplodingFiresOnGeometricGrowth) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 40, [](int64_t step) {
    FrameSpec spec = Healthy(step, false);
    if (step >= 20) spec.stddev = std::pow(2.0, static_cast<double>(step - 20));
    return spec;
  });
  // 2^4 = 16 > growth_ratio (10) x the early std (about 1) from step 24; held for
  // fast_frames = 3 frames: reported at 26.
  std::vector<Alert> exploding;
  for (const Alert& a : alerts) {
    if (a.type == AlertType::kExploding) exploding.push_back(a);
  }
  ASSERT_EQ(exploding.size(), 1u);
  EXPECT_EQ(exploding[0].first_step, 24);
  EXPECT_EQ(exploding[0].last_step, 26);
  EXPECT_EQ(exploding[0].severity, AlertSeverity::kCritical);
}

TEST(SeriesDetectorTest, GradientRulesFireOnGrowthAndVanishing) {
  AlertRules rules;
  SeriesDetector exploding(&rules, Kind::kGradient);
  std::vector<Alert> alerts = Feed(&exploding, Kind::kGradient, 40, [](int64_t step) {
    FrameSpec spec = Healthy(step, false);
    spec.mean = 0;
    if (step >= 20) spec.stddev = std::pow(2.0, static_cast<double>(step - 20));
    return spec;
  });
  // Gradients take gradient_growth_ratio (100): 2^7 = 128 from step 27.
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, AlertType::kExplodingGradient);
  EXPECT_EQ(alerts[0].first_step, 27);

  SeriesDetector vanishing(&rules, Kind::kGradient);
  alerts = Feed(&vanishing, Kind::kGradient, 80, [](int64_t step) {
    FrameSpec spec;
    spec.mean = 0;
    spec.stddev = step < 30 ? 1 : 1e-5;
    return spec;
  });
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].type, AlertType::kVanishingGradient);
  EXPECT_EQ(alerts[0].first_step, 30);
  EXPECT_EQ(alerts[0].last_step, 30 + rules.sustain_frames - 1);
}

// An activation frame with `share` of its 10,000 elements in the bin at zero (small positives,
// not exact zeros) and the rest in bin 8.
Histogram ZeroBinShare(int64_t step, double share) {
  Histogram h;
  h.layer = "layer";
  h.step = step;
  h.values.counts.assign(h.layout.bins, 0);
  h.values.elements = 10000;
  h.values.counts[0] = static_cast<uint64_t>(share * 10000);
  h.values.counts[8] = h.values.elements - h.values.counts[0];
  h.values.sum = 2.0 * static_cast<double>(h.values.counts[8]);
  h.values.sum_squares = 4.0 * static_cast<double>(h.values.counts[8]);
  return h;
}

TEST(SeriesDetectorTest, AFiredAlertHoldsUntilItsMeasureIsClearMarginPastItsThreshold) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  std::vector<Alert> alerts;
  // Healthy, then collapsed (90 %) from step 20, then hovering at 82-88 % around the 85 %
  // threshold (above 0.9 x 85 % = 76.5 %) from step 60, then recovered (50 %) from step 150.
  for (int64_t step = 0; step < 200; ++step) {
    const double share = step < 20    ? 0.5
                         : step < 60  ? 0.9
                         : step < 150 ? (step % 2 == 0 ? 0.82 : 0.88)
                                      : 0.5;
    detector.Observe(ZeroBinShare(step, share), RunContext{}, &alerts);
  }
  std::vector<Alert> collapse;
  for (const Alert& a : alerts) {
    if (a.type == AlertType::kCollapse) collapse.push_back(a);
  }
  // Fired once (from 20), refreshed while it hovered, cleared at 150: one episode.
  ASSERT_GE(collapse.size(), 2u);
  for (const Alert& a : collapse) EXPECT_EQ(a.first_step, 20);
  EXPECT_TRUE(collapse.back().cleared);
  EXPECT_EQ(collapse.back().last_step, 150);
  for (size_t i = 0; i + 1 < collapse.size(); ++i) EXPECT_FALSE(collapse[i].cleared);
}

TEST(SeriesDetectorTest, NonfiniteFramesFeedNoOtherRule) {
  AlertRules rules;
  // Every value non-finite from step 20 on (a diverged run): the finite moments are empty,
  // which would read as a vanished gradient and a frozen weight; only nonfinite fires.
  for (Kind kind : {Kind::kGradient, Kind::kWeight, Kind::kActivation}) {
    SeriesDetector detector(&rules, kind);
    std::vector<Alert> alerts = Feed(&detector, kind, 100, [](int64_t step) {
      FrameSpec spec = Healthy(0, false);
      if (step >= 20) {
        spec.elements = 0;
        spec.nans = 2000;
      }
      return spec;
    });
    ASSERT_EQ(alerts.size(), 2u) << static_cast<int>(kind);  // Began, then a refresh.
    EXPECT_EQ(alerts[0].type, AlertType::kNonfinite);
    EXPECT_EQ(alerts[0].first_step, 20);
    EXPECT_EQ(alerts[1].type, AlertType::kNonfinite);
  }
}

TEST(SeriesDetectorTest, HeldAlertIsRefreshedEveryRefreshFrames) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kActivation);
  std::vector<Alert> alerts = Feed(&detector, Kind::kActivation, 200, [](int64_t step) {
    FrameSpec spec = Healthy(step, true);
    if (step >= 10) spec.mean = -5;
    return spec;
  });
  // Collapse and dead each: reported at 29, then every kRefreshFrames frames (79, 129, 179).
  ASSERT_EQ(alerts.size(), 8u);
  EXPECT_EQ(alerts.back().first_step, 10);
  EXPECT_EQ(alerts.back().last_step, 29 + 3 * SeriesDetector::kRefreshFrames);
}

TEST(SeriesDetectorTest, ResentAndLateFramesAreSkipped) {
  AlertRules rules;
  SeriesDetector detector(&rules, Kind::kGradient);
  std::vector<Alert> changed;
  FrameSpec nan;
  nan.nans = 1;
  detector.Observe(MakeFrame("layer", Kind::kGradient, 5, FrameSpec{}), RunContext{}, &changed);
  detector.Observe(MakeFrame("layer", Kind::kGradient, 5, nan), RunContext{}, &changed);
  detector.Observe(MakeFrame("layer", Kind::kGradient, 3, nan), RunContext{}, &changed);
  EXPECT_THAT(changed, IsEmpty());
}

}  // namespace
}  // namespace actiscope::server
