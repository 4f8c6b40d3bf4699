// `actiscope alerts` output: one line per alert, or a JSON array with the server's names.
#include "cli/alerts_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

v1::ListAlertsResponse OneAlert() {
  v1::ListAlertsResponse response;
  v1::Alert* a = response.add_alerts();
  a->set_layer("conv5_x");
  a->set_kind(v1::KIND_ACTIVATION);
  a->set_type(v1::ALERT_TYPE_COLLAPSE);
  a->set_severity(v1::ALERT_SEVERITY_WARNING);
  a->set_first_step(40);
  a->set_last_step(59);
  a->set_value(0.5);
  a->set_threshold(0.25);
  a->set_message("collapsed.");
  return response;
}

TEST(AlertsOutputTest, TextIsOneLinePerAlert) {
  EXPECT_EQ(AlertsText(OneAlert()),
            "warning  collapse           conv5_x (activation, rank 0) steps 40-59 holding value "
            "0.5 vs 0.25: collapsed.\n");
  EXPECT_EQ(AlertsText(v1::ListAlertsResponse()), "(no alerts)\n");
}

TEST(AlertsOutputTest, JsonIsAnArrayWithTheServersNames) {
  EXPECT_EQ(AlertsJson(OneAlert()),
            R"([{"layer":"conv5_x","kind":"activation","rank":0,"type":"collapse",)"
            R"("severity":"warning","first_step":40,"last_step":59,"cleared":false,)"
            R"("value":0.5,"threshold":0.25,"message":"collapsed."}])"
            "\n");
  EXPECT_EQ(AlertsJson(v1::ListAlertsResponse()), "[]\n");
}

}  // namespace
}  // namespace actiscope::cli
