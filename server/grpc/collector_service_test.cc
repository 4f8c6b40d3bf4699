#include "server/grpc/collector_service.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::MakeBatch;
using ::actiscope::server::testing::MakeFrame;
using ::actiscope::server::testing::MakeRequest;
using ::actiscope::server::testing::TestGrpcServer;
using ::testing::HasSubstr;

v1::GetHeatmapRequest HeatmapOf(const std::string& run_id, const std::string& layer) {
  v1::GetHeatmapRequest request;
  request.set_run_id(run_id);
  request.set_layer(layer);
  return request;
}

TEST(CollectorServiceTest, StartRunIsIdempotent) {
  TestGrpcServer server;
  v1::StartRunResponse first;
  ASSERT_TRUE(server.StartRun("run-1", &first).ok());
  EXPECT_EQ(first.run_id(), "run-1");
  EXPECT_TRUE(first.created());
  v1::StartRunResponse second;
  ASSERT_TRUE(server.StartRun("run-1", &second).ok());
  EXPECT_FALSE(second.created());

  grpc::ClientContext context;
  v1::ListRunsResponse runs;
  ASSERT_TRUE(server.query().ListRuns(&context, v1::ListRunsRequest(), &runs).ok());
  ASSERT_EQ(runs.runs_size(), 1);
  EXPECT_EQ(runs.runs(0).run_id(), "run-1");
  EXPECT_EQ(runs.runs(0).name(), "run run-1");
}

TEST(CollectorServiceTest, StartRunRejectsBadRunId) {
  TestGrpcServer server;
  grpc::Status status = server.StartRun("has space");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("run_id must be 1-64 characters"));
}

TEST(CollectorServiceTest, PushedBatchReadsBackAsHeatmap) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({MakeRequest("r", 7, MakeBatch("fc", 0, 3, 4))}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].sequence(), 7u);
  EXPECT_EQ(acks[0].frames_stored(), 3u);
  EXPECT_EQ(acks[0].frames_ignored(), 0u);

  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(HeatmapOf("r", "fc"), &heatmap).ok());
  EXPECT_EQ(heatmap.layout().bins(), 4u);
  EXPECT_EQ(heatmap.bin_edges_size(), 5);
  ASSERT_EQ(heatmap.columns_size(), 3);
  for (int step = 0; step < 3; ++step) {
    const v1::HeatmapColumn& column = heatmap.columns(step);
    EXPECT_EQ(column.step_from(), step);
    EXPECT_EQ(column.step_to(), step);
    EXPECT_EQ(column.histograms(), 1u);
    ASSERT_EQ(column.counts_size(), 4);
    for (int bin = 0; bin < 4; ++bin) EXPECT_EQ(column.counts(bin), uint64_t(step + bin));
  }
}

TEST(CollectorServiceTest, AcksComeInRequestOrder) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server
                  .Push({MakeRequest("r", 1, MakeBatch("fc", 0, 2)),
                         MakeRequest("r", 2, MakeBatch("fc", 2, 2)),
                         MakeRequest("r", 3, MakeBatch("fc", 4, 2))},
                        &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(acks[i].sequence(), i + 1);
    EXPECT_EQ(acks[i].frames_stored(), 2u);
  }
}

TEST(CollectorServiceTest, RequestsWithoutRunIdContinueTheStreamsRun) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("a").ok());
  ASSERT_TRUE(server.StartRun("b").ok());
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server
                  .Push({MakeRequest("a", 1, MakeBatch("fc", 0, 2)),
                         MakeRequest("", 2, MakeBatch("fc", 2, 3)),
                         MakeRequest("b", 3, MakeBatch("fc", 0, 1)),
                         MakeRequest("", 4, MakeBatch("fc", 1, 1))},
                        &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 4u);
  v1::RunDetail a, b;
  ASSERT_TRUE(server.GetRun("a", &a).ok());
  ASSERT_TRUE(server.GetRun("b", &b).ok());
  EXPECT_EQ(a.run().last_step(), 4);
  EXPECT_EQ(b.run().last_step(), 1);
}

TEST(CollectorServiceTest, RepushedBatchIsIgnoredAndStoredOnce) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 3))}).ok());
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({MakeRequest("r", 2, MakeBatch("fc", 0, 3))}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].frames_stored(), 0u);
  EXPECT_EQ(acks[0].frames_ignored(), 3u);

  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(HeatmapOf("r", "fc"), &heatmap).ok());
  ASSERT_EQ(heatmap.columns_size(), 3);
  for (const v1::HeatmapColumn& column : heatmap.columns()) {
    EXPECT_EQ(column.histograms(), 1u);
  }
}

TEST(CollectorServiceTest, ZstdBatchIsStored) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::PushRequest request;
  request.set_run_id("r");
  request.set_sequence(1);
  request.set_zstd_batch(codec::CompressBatch(MakeBatch("conv", 10, 5, 16)));
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({request}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].frames_stored(), 5u);

  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(HeatmapOf("r", "conv"), &heatmap).ok());
  ASSERT_EQ(heatmap.columns_size(), 5);
  EXPECT_EQ(heatmap.columns(4).step_from(), 14);
  EXPECT_EQ(heatmap.columns(4).counts(15), 14u + 15u);
}

TEST(CollectorServiceTest, DroppedFramesAddUpInTheRunSummary) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::PushRequest request = MakeRequest("r", 1, MakeBatch("fc", 0, 1));
  request.set_dropped_frames(5);
  ASSERT_TRUE(server.Push({request}).ok());
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().dropped_frames(), 5u);
}

TEST(CollectorServiceTest, ANanFrameIsStoredAsAnAlertAtItsStep) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  codec::FrameBatchBuilder builder;
  for (int64_t step = 0; step < 5; ++step) {
    std::vector<uint64_t> counts;
    v1::Frame frame = MakeFrame("fc", step, 8, &counts);
    if (step == 3) {
      frame.mutable_stats()->set_nonfinite(2);
      frame.mutable_stats()->set_elements(frame.stats().elements() + 2);
    }
    builder.AddFrame(std::move(frame), counts);
  }
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, builder.Take())}).ok());

  v1::ListAlertsRequest request;
  request.set_run_id("r");
  v1::ListAlertsResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(server.query().ListAlerts(&context, request, &response).ok());
  // Set at step 3 and cleared at step 4, the first frame without NaN.
  ASSERT_EQ(response.alerts_size(), 1);
  const v1::Alert& alert = response.alerts(0);
  EXPECT_EQ(alert.layer(), "fc");
  EXPECT_EQ(alert.kind(), v1::KIND_ACTIVATION);
  EXPECT_EQ(alert.type(), v1::ALERT_TYPE_NONFINITE);
  EXPECT_EQ(alert.severity(), v1::ALERT_SEVERITY_CRITICAL);
  EXPECT_EQ(alert.first_step(), 3);
  EXPECT_EQ(alert.last_step(), 4);
  EXPECT_TRUE(alert.cleared());
  EXPECT_EQ(alert.value(), 2);
  EXPECT_THAT(alert.message(), HasSubstr("NaN"));
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().alert_count(), 1u);

  grpc::ClientContext unknown_context;
  request.set_run_id("nope");
  EXPECT_EQ(server.query().ListAlerts(&unknown_context, request, &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(CollectorServiceTest, FinishRunSetsStatusAndMessage) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::FinishRunRequest request;
  request.set_run_id("r");
  request.set_status(v1::RUN_STATUS_FAILED);
  request.set_message("loss diverged");
  grpc::ClientContext context;
  v1::FinishRunResponse response;
  ASSERT_TRUE(server.collector().FinishRun(&context, request, &response).ok());
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().status(), v1::RUN_STATUS_FAILED);
  EXPECT_EQ(detail.run().status_message(), "loss diverged");
}

TEST(CollectorServiceTest, FinishRunRejectsLiveStatus) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::FinishRunRequest request;
  request.set_run_id("r");
  request.set_status(v1::RUN_STATUS_LIVE);
  grpc::ClientContext context;
  v1::FinishRunResponse response;
  grpc::Status status = server.collector().FinishRun(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("RUN_STATUS_FINISHED or RUN_STATUS_FAILED"));
}

v1::RunSpec ResumeSpec(const std::string& run_id, const std::string& resume_id, int64_t step,
                       uint32_t world_size = 1, uint32_t rank = 0, bool whole_run = false) {
  v1::RunSpec spec;
  spec.set_run_id(run_id);
  spec.set_world_size(world_size);
  spec.set_resumed(true);
  spec.set_resume_id(resume_id);
  spec.set_resume_from_step(step);
  spec.set_resume_rank(rank);
  spec.set_resume_whole_run(whole_run);
  return spec;
}

grpc::Status StartRunWith(TestGrpcServer& server, const v1::RunSpec& spec) {
  grpc::ClientContext context;
  v1::StartRunResponse response;
  return server.collector().StartRun(&context, spec, &response);
}

int64_t LastStep(TestGrpcServer& server, const std::string& run_id) {
  v1::RunDetail detail;
  EXPECT_TRUE(server.GetRun(run_id, &detail).ok());
  return detail.run().last_step();
}

// The steps of `layer` stored for `rank`, one column per step.
std::vector<int64_t> StoredSteps(TestGrpcServer& server, const std::string& run_id,
                                 const std::string& layer, uint32_t rank) {
  v1::GetHeatmapRequest request = HeatmapOf(run_id, layer);
  request.set_has_rank(true);
  request.set_rank(rank);
  v1::Heatmap heatmap;
  EXPECT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  std::vector<int64_t> steps;
  for (const v1::HeatmapColumn& column : heatmap.columns()) {
    if (column.histograms() > 0) steps.push_back(column.step_from());
  }
  return steps;
}

TEST(CollectorServiceTest, AResumeIsAppliedOncePerResumeId) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 10))}).ok());

  ASSERT_TRUE(StartRunWith(server, ResumeSpec("r", "resume-a", 5)).ok());
  EXPECT_EQ(LastStep(server, "r"), 4);
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({MakeRequest("r", 2, MakeBatch("fc", 5, 3))}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].frames_stored(), 3u);
  EXPECT_EQ(LastStep(server, "r"), 7);

  // The same StartRun again, as after a reconnect or a spool replay: nothing is deleted.
  ASSERT_TRUE(StartRunWith(server, ResumeSpec("r", "resume-a", 5)).ok());
  EXPECT_EQ(LastStep(server, "r"), 7);
  EXPECT_EQ(StoredSteps(server, "r", "fc", 0), (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7}));

  // Another resume is applied.
  ASSERT_TRUE(StartRunWith(server, ResumeSpec("r", "resume-b", 6)).ok());
  EXPECT_EQ(LastStep(server, "r"), 5);
}

TEST(CollectorServiceTest, ARanksResumeRewindsThatRankUnlessTheWholeRunIsAsked) {
  TestGrpcServer server;
  v1::RunSpec spec;
  spec.set_run_id("r");
  spec.set_world_size(2);
  ASSERT_TRUE(StartRunWith(server, spec).ok());
  v1::FrameBatch rank1 = MakeBatch("fc", 0, 10);
  for (v1::Frame& frame : *rank1.mutable_frames()) frame.set_rank(1);
  for (v1::Scalar& scalar : *rank1.mutable_scalars()) scalar.set_rank(1);
  ASSERT_TRUE(server
                  .Push({MakeRequest("r", 1, MakeBatch("fc", 0, 10)),
                         MakeRequest("r", 2, std::move(rank1))})
                  .ok());

  ASSERT_TRUE(StartRunWith(server, ResumeSpec("r", "rank1-resume", 4, 2, 1)).ok());
  EXPECT_EQ(StoredSteps(server, "r", "fc", 0).size(), 10u);
  EXPECT_EQ(StoredSteps(server, "r", "fc", 1), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(LastStep(server, "r"), 9);

  ASSERT_TRUE(StartRunWith(server, ResumeSpec("r", "whole", 2, 2, 0, true)).ok());
  EXPECT_EQ(StoredSteps(server, "r", "fc", 0), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(StoredSteps(server, "r", "fc", 1), (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(LastStep(server, "r"), 1);
}

TEST(CollectorServiceTest, AResumeNeedsAnIdAndARankOfTheRun) {
  TestGrpcServer server;
  grpc::Status no_id = StartRunWith(server, ResumeSpec("r", "", 3));
  EXPECT_EQ(no_id.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(no_id.error_message(), HasSubstr("resume_id must be 1-64 characters"));
  grpc::Status bad_rank = StartRunWith(server, ResumeSpec("r", "x", 3, 2, 2));
  EXPECT_EQ(bad_rank.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad_rank.error_message(), HasSubstr("resume_rank 2 is not below world_size 2"));
  v1::RunSpec not_resumed = ResumeSpec("r", "x", 3);
  not_resumed.set_resumed(false);
  grpc::Status stray = StartRunWith(server, not_resumed);
  EXPECT_EQ(stray.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(stray.error_message(), HasSubstr("need resumed: true"));
}

// `layer`'s frame at `step` as MakeBatch makes it, with one more element in bin 0.
v1::FrameBatch DifferentFrame(const std::string& layer, int64_t step) {
  codec::FrameBatchBuilder builder;
  std::vector<uint64_t> counts;
  v1::Frame frame = MakeFrame(layer, step, 8, &counts);
  ++counts[0];
  frame.mutable_stats()->set_elements(frame.stats().elements() + 1);
  builder.AddFrame(std::move(frame), counts);
  return builder.Take();
}

TEST(CollectorServiceTest, LateFramesAreStoredResendsIgnoredAndConflictsCounted) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server
                  .Push({MakeRequest("r", 1, MakeBatch("fc", 0, 11)),
                         MakeRequest("r", 2, MakeBatch("fc", 20, 1))})
                  .ok());
  std::vector<v1::PushAck> acks;
  v1::PushRequest rejected_report = MakeRequest("r", 5, MakeBatch("fc", 14, 1));
  rejected_report.set_rejected_frames(3);
  ASSERT_TRUE(server
                  .Push({MakeRequest("r", 3, MakeBatch("fc", 15, 1)),
                         MakeRequest("r", 4, MakeBatch("fc", 15, 1)),
                         MakeRequest("r", 6, DifferentFrame("fc", 15)), std::move(rejected_report)},
                        &acks)
                  .ok());
  ASSERT_EQ(acks.size(), 4u);
  EXPECT_EQ(acks[0].frames_stored(), 1u);   // The late step 15.
  EXPECT_EQ(acks[1].frames_ignored(), 1u);  // The same frame again.
  EXPECT_EQ(acks[1].frames_stored(), 0u);
  EXPECT_EQ(acks[2].frames_conflicting(), 1u);  // Another frame for step 15.
  EXPECT_EQ(acks[2].frames_stored(), 0u);
  EXPECT_EQ(acks[3].frames_stored(), 1u);  // Step 14.

  EXPECT_EQ(StoredSteps(server, "r", "fc", 0),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 20}));
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().conflicting_frames(), 1u);
  EXPECT_EQ(detail.run().rejected_frames(), 3u);
  // The stored step 15 is the first frame: its bin 0 holds 15, not 16.
  v1::GetHeatmapRequest request = HeatmapOf("r", "fc");
  request.set_from_step(15);
  request.set_to_step(15);
  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  ASSERT_EQ(heatmap.columns_size(), 1);
  EXPECT_EQ(heatmap.columns(0).counts(0), 15u);
}

TEST(CollectorServiceTest, EveryRankBelowTheWorldSizeIsStored) {
  TestGrpcServer server;
  v1::RunSpec spec;
  spec.set_run_id("r");
  spec.set_world_size(2);
  grpc::ClientContext context;
  v1::StartRunResponse response;
  ASSERT_TRUE(server.collector().StartRun(&context, spec, &response).ok());
  v1::FrameBatch batch = MakeBatch("fc", 0, 1);
  v1::FrameBatch rank1 = MakeBatch("fc", 0, 1);
  rank1.mutable_frames(0)->set_rank(1);
  rank1.mutable_scalars(0)->set_rank(1);
  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(
      server
          .Push({MakeRequest("r", 1, std::move(batch)), MakeRequest("r", 2, std::move(rank1))},
                &acks)
          .ok());
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].frames_stored() + acks[1].frames_stored(), 2u);
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  ASSERT_EQ(detail.layers_size(), 1);
  EXPECT_EQ(detail.layers(0).ranks_size(), 2);
}

}  // namespace
}  // namespace actiscope::server
