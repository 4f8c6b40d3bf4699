// BeganAlerts: beginnings pass, refreshes and clears do not, a cleared alert begins again,
// a full memory still reports beginnings, and a forgotten run starts over.
#include "server/grpc/began_alerts.h"

#include <vector>

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

Alert MakeAlert(const std::string& run, const std::string& layer, int64_t first_step,
                int64_t last_step, bool cleared = false) {
  Alert alert;
  alert.run_id = run;
  alert.layer = layer;
  alert.type = AlertType::kCollapse;
  alert.first_step = first_step;
  alert.last_step = last_step;
  alert.cleared = cleared;
  return alert;
}

TEST(BeganAlertsTest, OnlyBeginningsAreSelected) {
  BeganAlerts began;
  std::vector<Alert> out = began.Select({MakeAlert("r", "conv5", 30, 49)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].layer, "conv5");
  EXPECT_EQ(out[0].first_step, 30);
  EXPECT_EQ(began.held(), 1u);
  // A refresh of it, then its clear: neither is a beginning.
  EXPECT_TRUE(began.Select({MakeAlert("r", "conv5", 30, 99)}).empty());
  EXPECT_TRUE(began.Select({MakeAlert("r", "conv5", 30, 120, /*cleared=*/true)}).empty());
  EXPECT_EQ(began.held(), 0u);
  // The condition returns: a new episode.
  out = began.Select({MakeAlert("r", "conv5", 130, 149)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].first_step, 130);
}

TEST(BeganAlertsTest, SeriesTypesRanksAndRunsAreDistinct) {
  BeganAlerts began;
  Alert dead = MakeAlert("r", "conv5", 30, 49);
  dead.type = AlertType::kDead;
  Alert rank1 = MakeAlert("r", "conv5", 30, 49);
  rank1.rank = 1;
  Alert gradient = MakeAlert("r", "conv5", 30, 49);
  gradient.kind = Kind::kGradient;
  EXPECT_EQ(began
                .Select({MakeAlert("r", "conv5", 30, 49), dead, rank1, gradient,
                         MakeAlert("other", "conv5", 30, 49), MakeAlert("r", "conv4", 30, 49)})
                .size(),
            6u);
  EXPECT_EQ(began.held(), 6u);
}

TEST(BeganAlertsTest, ANewFirstStepWithoutAClearIsABeginning) {
  BeganAlerts began;
  ASSERT_EQ(began.Select({MakeAlert("r", "fc", 10, 29)}).size(), 1u);
  // The clear was not seen (e.g. the detectors restarted): a different first_step begins.
  EXPECT_EQ(began.Select({MakeAlert("r", "fc", 80, 99)}).size(), 1u);
  EXPECT_TRUE(began.Select({MakeAlert("r", "fc", 80, 149)}).empty());
  EXPECT_EQ(began.held(), 1u);
}

TEST(BeganAlertsTest, BeyondTheBoundBeginningsAreStillReportedButNotRemembered) {
  BeganAlerts began(/*max_held=*/1);
  ASSERT_EQ(began.Select({MakeAlert("r", "a", 1, 20), MakeAlert("r", "b", 1, 20)}).size(), 2u);
  EXPECT_EQ(began.held(), 1u);
  EXPECT_TRUE(began.Select({MakeAlert("r", "a", 1, 70)}).empty());
  EXPECT_EQ(began.Select({MakeAlert("r", "b", 1, 70)}).size(), 1u);  // Not remembered.
}

TEST(BeganAlertsTest, AForgottenRunBeginsAgain) {
  BeganAlerts began;
  ASSERT_EQ(began.Select({MakeAlert("r", "a", 1, 20), MakeAlert("s", "a", 1, 20)}).size(), 2u);
  began.ForgetRun("r");
  EXPECT_EQ(began.held(), 1u);
  EXPECT_EQ(began.Select({MakeAlert("r", "a", 1, 70)}).size(), 1u);
  EXPECT_TRUE(began.Select({MakeAlert("s", "a", 1, 70)}).empty());
}

}  // namespace
}  // namespace actiscope::server
