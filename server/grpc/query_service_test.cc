#include "server/grpc/query_service.h"

#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/report_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::MakeBatch;
using ::actiscope::server::testing::MakeFrame;
using ::actiscope::server::testing::MakeRequest;
using ::actiscope::server::testing::TestGrpcServer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr QueryLimits kLimits;  // The defaults.

// Smaller than the defaults, as an operator may configure them.
QueryLimits SmallLimits() {
  QueryLimits limits;
  limits.max_runs_listed = 1;
  limits.max_heatmap_columns = 100;
  limits.max_heatmap_cells = 3 * 256;  // 3 columns of the "wide" layer's 256 bins.
  limits.max_scalar_points = 50;
  return limits;
}

// Stores layer "wide" of 256 bins at steps 0 and 99999 only in run "r".
void PushWideLayer(TestGrpcServer& server) {
  ASSERT_TRUE(server.StartRun("r").ok());
  codec::FrameBatchBuilder builder;
  for (int64_t step : {0, 99999}) {
    std::vector<uint64_t> counts;
    v1::Frame frame = MakeFrame("wide", step, 256, &counts);
    builder.AddFrame(std::move(frame), counts);
  }
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, builder.Take())}).ok());
}

TEST(QueryServiceTest, GetRunListsLayersKindsRanksAndScalarNames) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  codec::FrameBatchBuilder builder;
  for (const char* layer : {"conv1", "fc"}) {
    for (v1::Kind kind : {v1::KIND_ACTIVATION, v1::KIND_GRADIENT}) {
      std::vector<uint64_t> counts;
      v1::Frame frame = MakeFrame(layer, 3, 4, &counts);
      frame.set_kind(kind);
      builder.AddFrame(std::move(frame), counts);
    }
  }
  v1::Scalar lr;
  lr.set_name("lr");
  lr.set_step(3);
  lr.set_value(0.1);
  builder.AddScalar(lr);
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, builder.Take())}).ok());

  v1::RunDetail detail;
  ASSERT_TRUE(server.GetRun("r", &detail).ok());
  EXPECT_EQ(detail.run().run_id(), "r");
  EXPECT_EQ(detail.run().first_step(), 3);
  EXPECT_EQ(detail.run().last_step(), 3);
  EXPECT_EQ(detail.run().status(), v1::RUN_STATUS_LIVE);
  ASSERT_EQ(detail.layers_size(), 2);
  EXPECT_EQ(detail.layers(0).name(), "conv1");
  EXPECT_EQ(detail.layers(1).name(), "fc");
  EXPECT_THAT(detail.layers(0).kinds(), ElementsAre(v1::KIND_ACTIVATION, v1::KIND_GRADIENT));
  EXPECT_THAT(detail.layers(0).ranks(), ElementsAre(0u));
  EXPECT_THAT(detail.scalar_names(), ElementsAre("lr"));
}

TEST(QueryServiceTest, GetRunOfUnknownRunIsNotFound) {
  TestGrpcServer server;
  v1::RunDetail detail;
  EXPECT_EQ(server.GetRun("missing", &detail).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(QueryServiceTest, HeatmapSumsStepsIntoColumns) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 10, 2))}).ok());
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  request.set_max_columns(5);
  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  EXPECT_EQ(heatmap.kind(), v1::KIND_ACTIVATION);
  ASSERT_LE(heatmap.columns_size(), 5);
  uint64_t bin0 = 0;
  uint32_t histograms = 0;
  for (const v1::HeatmapColumn& column : heatmap.columns()) {
    bin0 += column.counts(0);
    histograms += column.histograms();
  }
  EXPECT_EQ(histograms, 10u);
  EXPECT_EQ(bin0, 45u);  // Steps 0..9, bin 0 counts `step`.
}

// Steps at both ends of the allowed range: the column plan over [0, 2^53 - 1] neither overflows
// nor loses either step, at one column and at the most.
TEST(QueryServiceTest, HeatmapOverTheWholeStepRangeKeepsBothEnds) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 1, 2))}).ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 2, MakeBatch("fc", kMaxStep, 1, 2))}).ok());
  for (uint32_t columns : {1u, kLimits.max_heatmap_columns}) {
    v1::GetHeatmapRequest request;
    request.set_run_id("r");
    request.set_layer("fc");
    request.set_max_columns(columns);
    v1::Heatmap heatmap;
    const grpc::Status status = server.GetHeatmap(request, &heatmap);
    ASSERT_TRUE(status.ok()) << columns << " columns: " << status.error_message();
    ASSERT_GE(heatmap.columns_size(), 1) << columns << " columns";
    EXPECT_LE(heatmap.columns_size(), static_cast<int>(columns));
    uint32_t histograms = 0;
    for (const v1::HeatmapColumn& column : heatmap.columns()) histograms += column.histograms();
    EXPECT_EQ(histograms, 2u) << columns << " columns";
    EXPECT_EQ(heatmap.columns(0).step_from(), 0);
    EXPECT_EQ(heatmap.columns(heatmap.columns_size() - 1).step_to(), kMaxStep);
  }
}

TEST(QueryServiceTest, HeatmapBeyondTheLargestStepIsInvalidArgument) {
  TestGrpcServer server;
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  request.set_from_step(std::numeric_limits<int64_t>::max());
  v1::Heatmap heatmap;
  const grpc::Status status = server.GetHeatmap(request, &heatmap);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("steps must be at most 9007199254740991"));
}

TEST(QueryServiceTest, HeatmapOverTheColumnLimitIsInvalidArgument) {
  TestGrpcServer server;
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  request.set_max_columns(kLimits.max_heatmap_columns + 1);
  v1::Heatmap heatmap;
  grpc::Status status = server.GetHeatmap(request, &heatmap);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat("heatmap: columns must be in [1, --max_heatmap_columns=",
                                     kLimits.max_heatmap_columns, "], got ",
                                     kLimits.max_heatmap_columns + 1)));
}

TEST(QueryServiceTest, HeatmapToStepZeroIsStepZero) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 10))}).ok());
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  request.set_to_step(0);
  v1::Heatmap heatmap;
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  ASSERT_EQ(heatmap.columns_size(), 1);
  EXPECT_EQ(heatmap.columns(0).step_to(), 0);
  request.clear_to_step();
  heatmap.Clear();
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  ASSERT_EQ(heatmap.columns_size(), 10);
  EXPECT_EQ(heatmap.columns(9).step_to(), 9);
}

// Layer "wide" has 256 bins at steps 0 and 99999 only: the most columns plan more cells than
// --max_heatmap_cells although two columns would come back.
TEST(QueryServiceTest, HeatmapOverTheCellLimitIsRefusedByItsPlanWithAHint) {
  constexpr uint32_t kBins = 256;
  static_assert(uint64_t{kLimits.max_heatmap_columns} * kBins > kLimits.max_heatmap_cells);
  TestGrpcServer server;
  PushWideLayer(server);
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("wide");
  request.set_max_columns(kLimits.max_heatmap_columns);
  v1::Heatmap heatmap;
  const grpc::Status status = server.GetHeatmap(request, &heatmap);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      status.error_message(),
      HasSubstr(absl::StrCat("over --max_heatmap_cells=", kLimits.max_heatmap_cells,
                             "; ask for at most ", kLimits.max_heatmap_cells / kBins, " columns")));
  request.set_max_columns(kLimits.max_heatmap_cells / kBins);
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok());
  EXPECT_EQ(heatmap.columns_size(), 2);
}

TEST(QueryServiceTest, HeatmapIsRefusedAtTheConfiguredColumnAndCellLimits) {
  TestGrpcServer server([](GrpcServerOptions&) {}, SmallLimits());
  PushWideLayer(server);
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("wide");
  request.set_max_columns(101);
  v1::Heatmap heatmap;
  grpc::Status status = server.GetHeatmap(request, &heatmap);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("heatmap: columns must be in [1, --max_heatmap_columns=100], got 101"));
  request.set_max_columns(100);
  status = server.GetHeatmap(request, &heatmap);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("over --max_heatmap_cells=768; ask for at most 3 columns"));
  request.set_max_columns(3);
  ASSERT_TRUE(server.GetHeatmap(request, &heatmap).ok()) << status.error_message();
  EXPECT_EQ(heatmap.columns_size(), 2);
}

TEST(QueryServiceTest, HeatmapOfUnknownLayerIsNotFound) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("nope");
  v1::Heatmap heatmap;
  EXPECT_EQ(server.GetHeatmap(request, &heatmap).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST(QueryServiceTest, GetScalarsReturnsTheSeries) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 4))}).ok());
  v1::GetScalarsRequest request;
  request.set_run_id("r");
  grpc::ClientContext context;
  v1::GetScalarsResponse response;
  ASSERT_TRUE(server.query().GetScalars(&context, request, &response).ok());
  ASSERT_EQ(response.series_size(), 1);
  EXPECT_EQ(response.series(0).name(), "loss");
  EXPECT_THAT(response.series(0).steps(), ElementsAre(0, 1, 2, 3));
  EXPECT_DOUBLE_EQ(response.series(0).values(3), 0.25);
}

TEST(QueryServiceTest, GetScalarsPointsAreCapped) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  v1::GetScalarsRequest request;
  request.set_run_id("r");
  request.set_max_points(kLimits.max_scalar_points + 1);
  grpc::ClientContext context;
  v1::GetScalarsResponse response;
  EXPECT_EQ(server.query().GetScalars(&context, request, &response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(QueryServiceTest, ListRunsLimitIsCappedAndDefaulted) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("a").ok());
  ASSERT_TRUE(server.StartRun("b").ok());
  v1::ListRunsRequest request;
  v1::ListRunsResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server.query().ListRuns(&context, request, &response).ok());
    EXPECT_EQ(response.runs_size(), 2);
  }
  request.set_limit(1);
  response.Clear();
  {
    grpc::ClientContext context;
    ASSERT_TRUE(server.query().ListRuns(&context, request, &response).ok());
    EXPECT_EQ(response.runs_size(), 1);
  }
  request.set_limit(kLimits.max_runs_listed + 1);
  grpc::ClientContext context;
  const grpc::Status status = server.query().ListRuns(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr(absl::StrCat(
                  "runs: limit must be in [1, --max_runs_listed=", kLimits.max_runs_listed, "]")));
}

TEST(QueryServiceTest, ListRunsIsCappedAtTheConfiguredMaxRunsListed) {
  TestGrpcServer server([](GrpcServerOptions&) {}, SmallLimits());
  ASSERT_TRUE(server.StartRun("a").ok());
  ASSERT_TRUE(server.StartRun("b").ok());
  v1::ListRunsRequest request;
  v1::ListRunsResponse response;
  {
    grpc::ClientContext context;  // The default limit, clamped to --max_runs_listed=1.
    ASSERT_TRUE(server.query().ListRuns(&context, request, &response).ok());
    EXPECT_EQ(response.runs_size(), 1);
  }
  request.set_limit(2);
  grpc::ClientContext context;
  const grpc::Status status = server.query().ListRuns(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("runs: limit must be in [1, --max_runs_listed=1], got 2"));
}

TEST(QueryServiceTest, WatchRunSendsCurrentStateThenUpdatesUntilFinished) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::WatchRunRequest request;
  request.set_run_id("r");
  auto stream = server.query().WatchRun(&context, request);
  v1::RunUpdate update;
  ASSERT_TRUE(stream->Read(&update));
  EXPECT_EQ(update.run().last_step(), -1);

  ASSERT_TRUE(server.Push({MakeRequest("r", 1, MakeBatch("fc", 0, 3))}).ok());
  do {
    ASSERT_TRUE(stream->Read(&update));
  } while (update.run().last_step() != 2);

  v1::FinishRunRequest finish;
  finish.set_run_id("r");
  finish.set_status(v1::RUN_STATUS_FINISHED);
  grpc::ClientContext finish_context;
  v1::FinishRunResponse finished;
  ASSERT_TRUE(server.collector().FinishRun(&finish_context, finish, &finished).ok());
  while (stream->Read(&update)) {
  }
  EXPECT_EQ(update.run().status(), v1::RUN_STATUS_FINISHED);
  EXPECT_TRUE(stream->Finish().ok());
}

TEST(QueryServiceTest, WatchRunEndsWithUnavailableOnShutdown) {
  TestGrpcServer server;
  ASSERT_TRUE(server.StartRun("r").ok());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::WatchRunRequest request;
  request.set_run_id("r");
  auto stream = server.query().WatchRun(&context, request);
  v1::RunUpdate update;
  ASSERT_TRUE(stream->Read(&update));
  server.notifier().Shutdown();
  EXPECT_FALSE(stream->Read(&update));
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down"));
}

TEST(QueryServiceTest, WatchRunOfUnknownRunIsNotFound) {
  TestGrpcServer server;
  grpc::ClientContext context;
  v1::WatchRunRequest request;
  request.set_run_id("missing");
  auto stream = server.query().WatchRun(&context, request);
  v1::RunUpdate update;
  EXPECT_FALSE(stream->Read(&update));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace actiscope::server
