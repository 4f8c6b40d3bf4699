// ParseAlertRules (actiscope-server --alert_rules): names, ranges, errors that say what is
// allowed, and nothing changed on error; and an engine with alerts disabled.
#include "server/alerts/alert_rules.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/alerts/alert_engine.h"
#include "server/alerts/alert_test_frames.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ParseAlertRulesTest, SetsTheNamedRulesAndLeavesTheOthers) {
  AlertRules rules;
  ASSERT_TRUE(
      ParseAlertRules("collapse_share=0.8, frozen_frames=200,growth_ratio=25", &rules).ok());
  EXPECT_EQ(rules.collapse_share, 0.8);
  EXPECT_EQ(rules.frozen_frames, 200);
  EXPECT_EQ(rules.growth_ratio, 25);
  EXPECT_EQ(rules.dead_share, AlertRules{}.dead_share);
  ASSERT_TRUE(ParseAlertRules("", &rules).ok());
  EXPECT_EQ(rules.collapse_share, 0.8);
}

TEST(ParseAlertRulesTest, BadPairsAreRefusedSayingWhatIsAllowedAndChangeNothing) {
  const struct {
    const char* text;
    const char* says;
  } cases[] = {
      {"colapse_share=0.8", "NAME one of collapse_share, dead_share"},
      {"collapse_share", "is not NAME=VALUE"},
      {"collapse_share=1.5", "collapse_share must be a number in (0, 1]"},
      {"dead_share=0", "in (0, 1]"},
      {"growth_ratio=-3", "growth_ratio must be a number above 0"},
      {"growth_ratio=abc", "above 0, got \"abc\""},
      {"vanish_ratio=nan", "above 0"},
      {"sustain_frames=0", "sustain_frames must be a whole number of frames from 1 to 1000000"},
      {"frozen_frames=2.5", "whole number"},
  };
  for (const auto& c : cases) {
    AlertRules rules;
    rules.collapse_share = 0.7;
    const absl::Status status = ParseAlertRules(absl::StrCat("frozen_ratio=0.1,", c.text), &rules);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << c.text << ": " << status;
    EXPECT_THAT(status.message(), HasSubstr(c.says)) << c.text;
    EXPECT_EQ(rules.frozen_ratio, AlertRules{}.frozen_ratio) << c.text;  // Nothing applied.
    EXPECT_EQ(rules.collapse_share, 0.7) << c.text;
  }
}

TEST(ParseAlertRulesTest, ADisabledEngineRaisesNothing) {
  AlertEngineOptions options;
  options.enabled = false;
  AlertEngine engine(options);
  testing::FrameSpec nan;
  nan.nans = 5;
  EXPECT_THAT(engine.Observe("run", {testing::MakeFrame("conv1", Kind::kActivation, 3, nan)}),
              IsEmpty());
  EXPECT_EQ(engine.runs_watched(), 0u);
}

}  // namespace
}  // namespace actiscope::server
