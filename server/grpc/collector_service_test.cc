#include "server/grpc/collector_service.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::MakeBatch;
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

TEST(CollectorServiceTest, ResumedRunReplacesStepsFromTheResumePoint) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 10))}).ok());

  v1::RunSpec spec;
  spec.set_run_id("r");
  spec.set_resumed(true);
  spec.set_resume_from_step(5);
  grpc::ClientContext context;
  v1::StartRunResponse response;
  ASSERT_TRUE(server.collector().StartRun(&context, spec, &response).ok());
  EXPECT_FALSE(response.created());

  std::vector<v1::PushAck> acks;
  ASSERT_TRUE(server.Push({MakeRequest("r", 2, MakeBatch("fc", 5, 2))}, &acks).ok());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].frames_stored(), 2u);
  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().last_step(), 6);
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
