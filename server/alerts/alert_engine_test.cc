// The engine: run ids on alerts, the frozen rule across a run's weight series, the caps, and
// forgetting a finished run.
#include "server/alerts/alert_engine.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/alerts/alert_test_frames.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::FrameSpec;
using ::actiscope::server::testing::MakeFrame;
using ::testing::IsEmpty;

// A weight frame: trained (moments move every step) or frozen (the same every step).
Histogram Weight(const std::string& layer, int64_t step, bool frozen) {
  FrameSpec spec;
  spec.mean = 0.5 + (frozen ? 0 : 0.0001 * static_cast<double>(step));
  Histogram h = MakeFrame(layer, Kind::kWeight, frozen ? 0 : step, spec);
  h.step = step;
  return h;
}

TEST(AlertEngineTest, FrozenLayerIsFlaggedWhileAnotherTrains) {
  AlertEngine engine(AlertEngineOptions{});
  std::vector<Alert> alerts;
  for (int64_t step = 0; step < 60; ++step) {
    std::vector<Histogram> batch = {Weight("fc", step, false), Weight("conv1", step, true)};
    for (Alert& a : engine.Observe("run", batch)) alerts.push_back(std::move(a));
  }
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].run_id, "run");
  EXPECT_EQ(alerts[0].layer, "conv1");
  EXPECT_EQ(alerts[0].type, AlertType::kFrozen);
  // The ring holds sustain_frames + 1 frames: the first comparison is at step 20.
  EXPECT_EQ(alerts[0].first_step, AlertRules{}.sustain_frames);
}

// An activation frame of a layer that learns (its distribution shifts step by step) or not (the
// same distribution every step, new samples each step as new batches give).
Histogram Activation(const std::string& layer, int64_t step, bool learns) {
  FrameSpec spec;
  spec.relu = true;
  spec.mean = 1 + (learns ? 0.01 * static_cast<double>(step) : 0);
  return MakeFrame(layer, Kind::kActivation, step, spec);
}

TEST(AlertEngineTest, ActivationsThatDoNotMoveWhileOthersDoAreFrozen) {
  const AlertRules rules;
  AlertEngine engine(AlertEngineOptions{});
  std::vector<Alert> alerts;
  for (int64_t step = 0; step < 400; ++step) {
    std::vector<Histogram> batch = {Activation("conv1", step, false),
                                    Activation("conv2", step, true),
                                    Activation("conv3", step, true)};
    for (Alert& a : engine.Observe("run", batch)) alerts.push_back(std::move(a));
  }
  std::vector<Alert> frozen;
  for (const Alert& a : alerts) {
    if (a.type == AlertType::kFrozen) frozen.push_back(a);
  }
  ASSERT_FALSE(frozen.empty());
  for (const Alert& a : frozen) EXPECT_EQ(a.layer, "conv1");
  // conv2 and conv3 pass frozen_moved (a twentieth of the elements moved) within a few dozen
  // steps; conv1's sampling noise stays far below frozen_ratio of that.
  EXPECT_GT(frozen[0].first_step, rules.baseline_frames);
  EXPECT_LT(frozen[0].first_step, 100);
  EXPECT_EQ(frozen[0].last_step, frozen[0].first_step + rules.frozen_frames - 1);
  EXPECT_LT(frozen[0].value, rules.frozen_ratio);
  EXPECT_FALSE(frozen.back().cleared);
}

TEST(AlertEngineTest, ALayerThatDiesIsNoMeasureOfHowFarTheOthersShouldMove) {
  // "steady" keeps its distribution (it moves only by sampling noise), "learns" drifts slowly,
  // "dies" goes dead at step 60 and so has moved further than any (every element at 0).
  // Against "learns", "steady" has moved far more than frozen_ratio; against the dead layer it
  // would be frozen.
  AlertEngine engine(AlertEngineOptions{});
  std::vector<Alert> alerts;
  for (int64_t step = 0; step < 400; ++step) {
    FrameSpec steady;
    steady.relu = true;
    FrameSpec learns = steady;
    learns.mean = 1 + 0.002 * static_cast<double>(step);
    FrameSpec dies = steady;
    dies.mean = step < 60 ? 1 : -5;
    std::vector<Histogram> batch = {MakeFrame("steady", Kind::kActivation, step, steady),
                                    MakeFrame("learns", Kind::kActivation, step, learns),
                                    MakeFrame("dies", Kind::kActivation, step, dies)};
    for (Alert& a : engine.Observe("run", batch)) alerts.push_back(std::move(a));
  }
  ASSERT_FALSE(alerts.empty());
  for (const Alert& a : alerts) {
    EXPECT_EQ(a.layer, "dies") << a.layer << " " << AlertTypeName(a.type) << " @" << a.first_step;
  }
}

TEST(AlertEngineTest, NoActivationsAreFrozenWhenAllOrNoneMove) {
  for (bool learns : {false, true}) {
    AlertEngine engine(AlertEngineOptions{});
    for (int64_t step = 0; step < 400; ++step) {
      std::vector<Histogram> batch = {Activation("conv1", step, learns),
                                      Activation("conv2", step, learns)};
      EXPECT_THAT(engine.Observe("run", batch), IsEmpty()) << step << " " << learns;
    }
  }
}

TEST(AlertEngineTest, NoLayerIsFrozenWhenNoneTrains) {
  AlertEngine engine(AlertEngineOptions{});
  for (int64_t step = 0; step < 60; ++step) {
    std::vector<Histogram> batch = {Weight("fc", step, true), Weight("conv1", step, true)};
    EXPECT_THAT(engine.Observe("run", batch), IsEmpty()) << step;
  }
}

TEST(AlertEngineTest, NonfiniteCarriesRunAndSeries) {
  AlertEngine engine(AlertEngineOptions{});
  FrameSpec nan;
  nan.nans = 1;
  Histogram h = MakeFrame("conv5", Kind::kActivation, 7, nan);
  h.rank = 1;
  std::vector<Alert> alerts = engine.Observe("r1", {h});
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].run_id, "r1");
  EXPECT_EQ(alerts[0].rank, 1u);
  EXPECT_EQ(alerts[0].kind, Kind::kActivation);
  EXPECT_EQ(alerts[0].first_step, 7);
  EXPECT_THAT(alerts[0].message, ::testing::HasSubstr("NaN"));
}

TEST(AlertEngineTest, CapsBoundRunsAndSeries) {
  AlertEngineOptions options;
  options.max_runs = 1;
  options.max_series_per_run = 2;
  AlertEngine engine(options);
  FrameSpec spec;
  std::vector<Histogram> batch = {MakeFrame("a", Kind::kActivation, 0, spec),
                                  MakeFrame("b", Kind::kActivation, 0, spec),
                                  MakeFrame("c", Kind::kActivation, 0, spec)};
  engine.Observe("r1", batch);
  engine.Observe("r2", batch);
  EXPECT_EQ(engine.runs_watched(), 1u);
  EXPECT_EQ(engine.series_watched("r1"), 2u);
  EXPECT_EQ(engine.series_watched("r2"), 0u);
  engine.ForgetRun("r1");
  EXPECT_EQ(engine.runs_watched(), 0u);
  engine.Observe("r2", batch);
  EXPECT_EQ(engine.series_watched("r2"), 2u);
}

}  // namespace
}  // namespace actiscope::server
