#include "trainer/optim_schedule.h"

#include "gtest/gtest.h"

namespace actiscope::trainer {
namespace {

TEST(OneCycleScheduleTest, WarmsUpFromPeakOver25ToPeakAtQuarter) {
  OneCycleSchedule schedule(1000);
  EXPECT_NEAR(schedule.At(0).lr_scale, 1.0 / 25, 1e-12);
  EXPECT_NEAR(schedule.At(0).beta1, 0.95, 1e-12);
  EXPECT_NEAR(schedule.At(250).lr_scale, 1.0, 1e-12);
  EXPECT_NEAR(schedule.At(250).beta1, 0.85, 1e-12);
}

TEST(OneCycleScheduleTest, MidWarmupIsHalfwayAlongTheCosine) {
  OneCycleSchedule schedule(1000);
  EXPECT_NEAR(schedule.At(125).lr_scale, (1.0 / 25 + 1) / 2, 1e-12);
  EXPECT_NEAR(schedule.At(125).beta1, 0.90, 1e-12);
}

TEST(OneCycleScheduleTest, AnnealsToPeakOver1e5AndMomentumBack) {
  OneCycleSchedule schedule(1000);
  EXPECT_NEAR(schedule.At(625).lr_scale, (1 + 1e-5) / 2, 1e-12);
  EXPECT_NEAR(schedule.At(1000).lr_scale, 1e-5, 1e-15);
  EXPECT_NEAR(schedule.At(1000).beta1, 0.95, 1e-12);
  EXPECT_NEAR(schedule.At(5000).lr_scale, 1e-5, 1e-15);
}

TEST(OneCycleScheduleTest, RateRisesThenFallsMonotonically) {
  OneCycleSchedule schedule(200);
  for (int step = 1; step <= 50; ++step) {
    EXPECT_GT(schedule.At(step).lr_scale, schedule.At(step - 1).lr_scale) << step;
  }
  for (int step = 51; step <= 200; ++step) {
    EXPECT_LT(schedule.At(step).lr_scale, schedule.At(step - 1).lr_scale) << step;
  }
}

}  // namespace
}  // namespace actiscope::trainer
