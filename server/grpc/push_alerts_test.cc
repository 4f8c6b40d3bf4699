// PushAck.alerts: the ack of the request whose frames made an alert begin announces it, once;
// refreshes, clears and re-sends announce nothing; a condition that returns is announced again;
// an ack holds at most kMaxAlertsPerAck.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "proto/layout_convert.h"
#include "server/alerts/alert_rules.h"
#include "server/alerts/alert_test_frames.h"
#include "server/alerts/series_detector.h"
#include "server/grpc/began_alerts.h"
#include "server/grpc/grpc_test_server.h"
#include "server/grpc/proto_convert.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::FrameSpec;
using ::actiscope::server::testing::MakeRequest;
using ::actiscope::server::testing::TestGrpcServer;
using ::testing::HasSubstr;

// A healthy post-ReLU activation (about half the elements at zero).
FrameSpec Healthy() {
  FrameSpec spec;
  spec.relu = true;
  return spec;
}

// Nearly every element in the bin at zero but none exactly zero: collapse, not dead.
FrameSpec Collapsed() {
  FrameSpec spec;
  spec.mean = 0;
  spec.stddev = 0.05;
  spec.absolute = true;
  return spec;
}

// The wire frame of a synthetic histogram (alert_test_frames.h), with its counts.
void AddFrame(const Histogram& h, codec::FrameBatchBuilder* builder) {
  v1::Frame frame;
  frame.set_layer(h.layer);
  frame.set_kind(ToProto(h.kind));
  frame.set_step(h.step);
  frame.set_rank(h.rank);
  ToWire(h.layout, frame.mutable_layout());
  v1::HistogramStats* stats = frame.mutable_stats();
  stats->set_elements(h.values.elements);
  stats->set_below(h.values.below);
  stats->set_above(h.values.above);
  stats->set_zeros(h.values.zeros);
  stats->set_nonfinite(h.values.nonfinite);
  stats->set_sum(h.values.sum);
  stats->set_sum_squares(h.values.sum_squares);
  builder->AddFrame(std::move(frame), h.values.counts);
}

// One request per step of `layer`: sequence = step + 1.
std::vector<v1::PushRequest> Steps(const std::string& run, const std::string& layer, int64_t from,
                                   int64_t to, const FrameSpec& spec) {
  std::vector<v1::PushRequest> requests;
  for (int64_t step = from; step < to; ++step) {
    codec::FrameBatchBuilder builder;
    AddFrame(testing::MakeFrame(layer, Kind::kActivation, step, spec), &builder);
    requests.push_back(MakeRequest(run, static_cast<uint64_t>(step) + 1, builder.Take()));
  }
  return requests;
}

std::vector<v1::PushAck> AcksWithAlerts(const std::vector<v1::PushAck>& acks) {
  std::vector<v1::PushAck> with;
  for (const v1::PushAck& ack : acks) {
    if (ack.alerts_size() > 0 || ack.alerts_omitted() > 0) with.push_back(ack);
  }
  return with;
}

TEST(PushAlertsTest, ACollapseIsAnnouncedOnceInTheAckOfTheRequestThatMadeItBegin) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  // Healthy for 30 steps, collapsed for 120: it begins at step 30 and fires sustain_frames
  // (20) frames later, at step 49; the detector re-reports it (a refresh) every kRefreshFrames
  // (50) frames after that: at steps 99 and 149.
  const int64_t fired = 30 + AlertRules{}.sustain_frames - 1;
  const int64_t refreshed =
      fired + (149 - fired) / SeriesDetector::kRefreshFrames * SeriesDetector::kRefreshFrames;
  ASSERT_GT(refreshed, fired);
  std::vector<v1::PushRequest> requests = Steps("r", "conv5_x", 0, 30, Healthy());
  for (v1::PushRequest& r : Steps("r", "conv5_x", 30, 150, Collapsed())) {
    requests.push_back(std::move(r));
  }
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push(requests, &acks).ok());
  ASSERT_EQ(acks.size(), 150u);
  const std::vector<v1::PushAck> announced = AcksWithAlerts(acks);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].sequence(), static_cast<uint64_t>(fired) + 1);  // Step 49's request.
  ASSERT_EQ(announced[0].alerts_size(), 1);
  EXPECT_EQ(announced[0].alerts_omitted(), 0u);
  const v1::AlertNotice& alert = announced[0].alerts(0);
  EXPECT_EQ(alert.rank(), 0u);
  EXPECT_EQ(alert.kind(), v1::KIND_ACTIVATION);
  EXPECT_EQ(alert.layer(), "conv5_x");
  EXPECT_EQ(alert.type(), "collapse");
  EXPECT_EQ(alert.severity(), "warning");
  EXPECT_EQ(alert.first_step(), 30);
  EXPECT_EQ(alert.step(), fired);
  EXPECT_GT(alert.value(), AlertRules{}.collapse_share);
  EXPECT_EQ(alert.threshold(), AlertRules{}.collapse_share);
  EXPECT_THAT(alert.message(), HasSubstr("collapsed"));

  // The refreshes reached the store (ListAlerts is the record), though no ack repeated it.
  v1::ListAlertsRequest list;
  list.set_run_id("r");
  v1::ListAlertsResponse stored;
  grpc::ClientContext context;
  ASSERT_TRUE(server.query().ListAlerts(&context, list, &stored).ok());
  ASSERT_EQ(stored.alerts_size(), 1);
  EXPECT_EQ(stored.alerts(0).first_step(), 30);
  EXPECT_EQ(stored.alerts(0).last_step(), refreshed);

  // A re-sent request (a reconnect) is acked again without the alert.
  std::vector<v1::PushAck> resent;
  ASSERT_TRUE(server.Push({requests[static_cast<size_t>(fired)]}, &resent).ok());
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].frames_ignored(), 1u);
  EXPECT_EQ(resent[0].alerts_size(), 0);

  // It clears (not announced) and returns: a new episode, announced with its own first step.
  std::vector<v1::PushRequest> later = Steps("r", "conv5_x", 150, 160, Healthy());
  for (v1::PushRequest& r : Steps("r", "conv5_x", 160, 190, Collapsed())) {
    later.push_back(std::move(r));
  }
  acks.clear();
  ASSERT_TRUE(server.Push(later, &acks).ok());
  const std::vector<v1::PushAck> again = AcksWithAlerts(acks);
  ASSERT_EQ(again.size(), 1u);
  // Step 179: sustain_frames from step 160.
  EXPECT_EQ(again[0].sequence(), static_cast<uint64_t>(160 + AlertRules{}.sustain_frames));
  ASSERT_EQ(again[0].alerts_size(), 1);
  EXPECT_EQ(again[0].alerts(0).first_step(), 160);
}

TEST(PushAlertsTest, AnAckAnnouncesAtMostItsCapAndCountsTheRest) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  const int layers = static_cast<int>(kMaxAlertsPerAck) + 4;
  FrameSpec nan = Healthy();
  nan.nans = 3;
  codec::FrameBatchBuilder builder;
  for (int layer = 0; layer < layers; ++layer) {
    AddFrame(testing::MakeFrame(absl::StrCat("layer", layer), Kind::kActivation, 5, nan), &builder);
  }
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, builder.Take())}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  ASSERT_EQ(acks[0].alerts_size(), static_cast<int>(kMaxAlertsPerAck));
  EXPECT_EQ(acks[0].alerts_omitted(), 4u);
  for (int i = 0; i < acks[0].alerts_size(); ++i) {
    const v1::AlertNotice& alert = acks[0].alerts(i);
    EXPECT_EQ(alert.layer(), absl::StrCat("layer", i));
    EXPECT_EQ(alert.type(), "nonfinite");
    EXPECT_EQ(alert.severity(), "critical");
    EXPECT_EQ(alert.first_step(), 5);
    EXPECT_EQ(alert.step(), 5);
    EXPECT_EQ(alert.value(), 3);
  }
}

TEST(PushAlertsTest, AfterFinishRunAHeldConditionIsAnnouncedAsNew) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  FrameSpec nan = Healthy();
  nan.nans = 1;
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push(Steps("r", "fc", 0, 3, nan), &acks).ok());
  ASSERT_EQ(AcksWithAlerts(acks).size(), 1u);
  grpc::ClientContext context;
  v1::FinishRunRequest finish;
  finish.set_run_id("r");
  finish.set_status(v1::RUN_STATUS_FINISHED);
  v1::FinishRunResponse finished;
  ASSERT_TRUE(server.collector().FinishRun(&context, finish, &finished).ok());
  // The detectors and the held alerts were forgotten: the NaN at step 3 begins again.
  acks.clear();
  ASSERT_TRUE(server.Push(Steps("r", "fc", 3, 5, nan), &acks).ok());
  const std::vector<v1::PushAck> announced = AcksWithAlerts(acks);
  ASSERT_EQ(announced.size(), 1u);
  EXPECT_EQ(announced[0].alerts(0).first_step(), 3);
}

}  // namespace
}  // namespace actiscope::server
