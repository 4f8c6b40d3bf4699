// AlertInbox: the acks' alerts in order, each once, of this run only, within the bounds.
#include "client/alert_inbox.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

v1::AlertNotice Notice(const std::string& layer, int64_t first_step,
                       const std::string& type = "collapse") {
  v1::AlertNotice alert;
  alert.set_rank(1);
  alert.set_kind(v1::KIND_ACTIVATION);
  alert.set_layer(layer);
  alert.set_type(type);
  alert.set_severity("warning");
  alert.set_first_step(first_step);
  alert.set_step(first_step + 19);
  alert.set_value(0.97);
  alert.set_threshold(0.9);
  alert.set_message("collapsed");
  return alert;
}

v1::PushAck Ack(const std::vector<v1::AlertNotice>& alerts, uint32_t omitted = 0) {
  v1::PushAck ack;
  for (const v1::AlertNotice& alert : alerts) *ack.add_alerts() = alert;
  ack.set_alerts_omitted(omitted);
  return ack;
}

TEST(AlertInboxTest, TakeReturnsEachAlertOnceInArrivalOrder) {
  AlertInbox inbox("run");
  inbox.Add("run", Ack({Notice("conv5_x", 30), Notice("fc", 7, "nonfinite")}));
  std::vector<AlertNotice> taken = inbox.Take();
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken[0].rank, 1u);
  EXPECT_EQ(taken[0].kind, Kind::kActivation);
  EXPECT_EQ(taken[0].layer, "conv5_x");
  EXPECT_EQ(taken[0].type, "collapse");
  EXPECT_EQ(taken[0].severity, "warning");
  EXPECT_EQ(taken[0].first_step, 30);
  EXPECT_EQ(taken[0].step, 49);
  EXPECT_EQ(taken[0].value, 0.97);
  EXPECT_EQ(taken[0].threshold, 0.9);
  EXPECT_EQ(taken[0].message, "collapsed");
  EXPECT_EQ(taken[1].type, "nonfinite");
  EXPECT_TRUE(inbox.Take().empty());
  // The same alerts again (a re-sent batch's ack): nothing new. A later episode is new.
  inbox.Add("run", Ack({Notice("conv5_x", 30), Notice("fc", 7, "nonfinite")}));
  EXPECT_TRUE(inbox.Take().empty());
  inbox.Add("run", Ack({Notice("conv5_x", 90)}));
  taken = inbox.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].first_step, 90);
  EXPECT_EQ(inbox.dropped(), 0u);
}

TEST(AlertInboxTest, OtherRunsAndUnknownKindsAreIgnored) {
  AlertInbox inbox("run");
  inbox.Add("other", Ack({Notice("a", 1)}));
  v1::AlertNotice unknown = Notice("b", 1);
  unknown.set_kind(v1::KIND_UNSPECIFIED);
  inbox.Add("run", Ack({unknown}));
  EXPECT_TRUE(inbox.Take().empty());
}

TEST(AlertInboxTest, BeyondTheQueueBoundAlertsAreDroppedAndCounted) {
  AlertInbox inbox("run", /*max_queued=*/2);
  inbox.Add("run", Ack({Notice("a", 1), Notice("b", 1), Notice("c", 1)}, /*omitted=*/4));
  EXPECT_EQ(inbox.Take().size(), 2u);
  EXPECT_EQ(inbox.dropped(), 1u + 4u);
  inbox.Add("run", Ack({Notice("c", 1), Notice("d", 1)}));  // c was seen: dropped for good.
  std::vector<AlertNotice> taken = inbox.Take();
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken[0].layer, "d");
}

TEST(AlertInboxTest, OnlyTheNewestKeysAreRemembered) {
  AlertInbox inbox("run", AlertInbox::kMaxQueued, /*max_remembered=*/2);
  inbox.Add("run", Ack({Notice("a", 1), Notice("b", 1), Notice("c", 1)}));
  EXPECT_EQ(inbox.Take().size(), 3u);
  inbox.Add("run", Ack({Notice("b", 1), Notice("c", 1)}));
  EXPECT_TRUE(inbox.Take().empty());
  inbox.Add("run", Ack({Notice("a", 1)}));  // Forgotten: shown again.
  EXPECT_EQ(inbox.Take().size(), 1u);
}

}  // namespace
}  // namespace actiscope::client
