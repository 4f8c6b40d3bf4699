#include "cli/commands.h"

#include <memory>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "cli/terminal_heatmap.h"
#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

// A Query service with one run "r1" (layer conv1), recording the last heatmap request.
class FakeQuery final : public v1::Query::Service {
 public:
  grpc::Status ListRuns(grpc::ServerContext*, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      last_list_ = *request;
    }
    *response->add_runs() = SampleRun(v1::RUN_STATUS_LIVE, 41);
    return grpc::Status::OK;
  }
  grpc::Status GetRun(grpc::ServerContext*, const v1::GetRunRequest* request,
                      v1::RunDetail* detail) override {
    if (request->run_id() != "r1") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no run \"" + request->run_id() + "\"");
    }
    *detail->mutable_run() = SampleRun(v1::RUN_STATUS_LIVE, 41);
    v1::LayerInfo* layer = detail->add_layers();
    layer->set_name("conv1");
    layer->add_kinds(v1::KIND_ACTIVATION);
    detail->add_scalar_names("loss");
    return grpc::Status::OK;
  }
  grpc::Status GetHeatmap(grpc::ServerContext*, const v1::GetHeatmapRequest* request,
                          v1::Heatmap* heatmap) override {
    {
      absl::MutexLock lock(&mu_);
      last_heatmap_ = *request;
    }
    heatmap->set_run_id(request->run_id());
    heatmap->set_layer(request->layer());
    heatmap->set_kind(request->kind());
    for (double edge : {-1.0, 0.0, 1.0}) heatmap->add_bin_edges(edge);
    v1::HeatmapColumn* column = heatmap->add_columns();
    column->set_step_from(0);
    column->set_step_to(41);
    column->add_counts(3);
    column->add_counts(4);
    column->set_elements(7);
    return grpc::Status::OK;
  }
  grpc::Status GetScalars(grpc::ServerContext*, const v1::GetScalarsRequest* request,
                          v1::GetScalarsResponse* response) override {
    for (const std::string& name : request->names()) {
      v1::ScalarSeries* series = response->add_series();
      series->set_name(name);
      series->add_steps(0);
      series->add_values(1.5);
    }
    return grpc::Status::OK;
  }
  grpc::Status WatchRun(grpc::ServerContext*, const v1::WatchRunRequest*,
                        grpc::ServerWriter<v1::RunUpdate>* writer) override {
    v1::RunUpdate update;
    *update.mutable_run() = SampleRun(v1::RUN_STATUS_LIVE, 5);
    writer->Write(update);
    *update.mutable_run() = SampleRun(v1::RUN_STATUS_FINISHED, 10);
    writer->Write(update);
    return grpc::Status::OK;
  }

  v1::ListRunsRequest last_list() {
    absl::MutexLock lock(&mu_);
    return last_list_;
  }
  v1::GetHeatmapRequest last_heatmap() {
    absl::MutexLock lock(&mu_);
    return last_heatmap_;
  }

 private:
  static v1::RunSummary SampleRun(v1::RunStatus status, int64_t last_step) {
    v1::RunSummary run;
    run.set_run_id("r1");
    run.set_name("first run");
    run.set_status(status);
    run.set_first_step(0);
    run.set_last_step(last_step);
    return run;
  }

  absl::Mutex mu_;
  v1::ListRunsRequest last_list_ ABSL_GUARDED_BY(mu_);
  v1::GetHeatmapRequest last_heatmap_ ABSL_GUARDED_BY(mu_);
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = "127.0.0.1:" + std::to_string(port);
    stub_ = v1::Query::NewStub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  absl::Status Run(std::vector<std::string> args, bool json, CommandFlags flags = {}) {
    CommandOptions options;
    options.connection.address = address_;
    options.json = json;
    options.timeout = absl::Seconds(10);
    Commands commands(stub_.get(), options, &out_);
    return RunCommand(args, flags, &commands);
  }

  FakeQuery service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::unique_ptr<v1::Query::Stub> stub_;
  std::ostringstream out_;
};

TEST_F(CommandsTest, RunsJsonListsTheServersRuns) {
  ASSERT_TRUE(Run({"runs"}, true).ok());
  EXPECT_TRUE(absl::StartsWith(out_.str(),
                               "[{\"id\":\"r1\",\"name\":\"first run\","
                               "\"status\":\"live\",\"first_step\":0,"
                               "\"last_step\":41,"))
      << out_.str();
}

TEST_F(CommandsTest, RunsSendsItsLimitAndZeroLeavesTheServersDefault) {
  ASSERT_TRUE(Run({"runs"}, true).ok());
  EXPECT_EQ(service_.last_list().limit(), 0u);
  CommandFlags flags;
  flags.runs_limit = 1000;
  ASSERT_TRUE(Run({"runs"}, true, flags).ok());
  EXPECT_EQ(service_.last_list().limit(), 1000u);
}

TEST_F(CommandsTest, RunsTextIsATable) {
  ASSERT_TRUE(Run({"runs"}, false).ok());
  EXPECT_TRUE(absl::StartsWith(out_.str(), "ID")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "r1  first run  live    0-41")) << out_.str();
}

TEST_F(CommandsTest, ShowOfUnknownRunIsNotFoundWithTheServersMessage) {
  const absl::Status status = Run({"show", "nope"}, true);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "show nope: no run \"nope\"");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, HeatmapSendsKindRangeColumnsAndRank) {
  CommandFlags flags;
  flags.heatmap.kind = "gradient";
  flags.heatmap.columns = 10;
  flags.heatmap.from_step = 5;
  flags.heatmap.to_step = 30;
  flags.heatmap.rank = 2;
  ASSERT_TRUE(Run({"heatmap", "r1", "conv1"}, true, flags).ok());
  const v1::GetHeatmapRequest request = service_.last_heatmap();
  EXPECT_EQ(request.run_id(), "r1");
  EXPECT_EQ(request.layer(), "conv1");
  EXPECT_EQ(request.kind(), v1::KIND_GRADIENT);
  EXPECT_EQ(request.max_columns(), 10u);
  EXPECT_EQ(request.from_step(), 5);
  EXPECT_TRUE(request.has_to_step());
  EXPECT_EQ(request.to_step(), 30);
  EXPECT_TRUE(request.has_rank());
  EXPECT_EQ(request.rank(), 2u);
  EXPECT_TRUE(absl::StrContains(out_.str(), "\"kind\":\"gradient\"")) << out_.str();
}

TEST_F(CommandsTest, HeatmapSendsToOnlyWhenGivenSoZeroIsStepZero) {
  ASSERT_TRUE(Run({"heatmap", "r1", "conv1"}, true).ok());
  EXPECT_FALSE(service_.last_heatmap().has_to_step());
  CommandFlags flags;
  flags.heatmap.to_step = 0;
  ASSERT_TRUE(Run({"heatmap", "r1", "conv1"}, true, flags).ok());
  EXPECT_TRUE(service_.last_heatmap().has_to_step());
  EXPECT_EQ(service_.last_heatmap().to_step(), 0);
  flags.heatmap.to_step = -1;
  EXPECT_EQ(Run({"heatmap", "r1", "conv1"}, true, flags).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CommandsTest, HeatmapWithoutJsonDrawsColourAndMergesRanksByDefault) {
  ASSERT_TRUE(Run({"heatmap", "r1", "conv1"}, false).ok());
  EXPECT_FALSE(service_.last_heatmap().has_rank());
  EXPECT_GT(service_.last_heatmap().max_columns(), 0u);
  EXPECT_TRUE(absl::StrContains(out_.str(), "\x1b[38;2;")) << out_.str();
}

TEST_F(CommandsTest, HeatmapPictureAsksForNoMoreColumnsThanFitTheTerminal) {
  CommandFlags flags;
  flags.heatmap.columns = 5000;
  ASSERT_TRUE(Run({"heatmap", "r1", "conv1"}, false, flags).ok());
  EXPECT_EQ(service_.last_heatmap().max_columns(), static_cast<uint32_t>(PlotColumns(100)));
}

TEST_F(CommandsTest, HeatmapRejectsAnUnknownKindBeforeCallingTheServer) {
  CommandFlags flags;
  flags.heatmap.kind = "bias";
  const absl::Status status = Run({"heatmap", "r1", "conv1"}, true, flags);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "bias")) << status;
}

TEST_F(CommandsTest, ScalarsPassesTheNames) {
  CommandFlags flags;
  flags.scalar_names = {"loss", "lr"};
  ASSERT_TRUE(Run({"scalars", "r1"}, true, flags).ok());
  EXPECT_EQ(out_.str(),
            "{\"run\":\"r1\",\"series\":[{\"name\":\"loss\",\"steps\":[0],\"values\":[1.5]},"
            "{\"name\":\"lr\",\"steps\":[0],\"values\":[1.5]}]}\n");
}

TEST_F(CommandsTest, WatchPrintsALinePerUpdateUntilTheRunEnds) {
  ASSERT_TRUE(Run({"watch", "r1"}, false).ok());
  EXPECT_TRUE(absl::StrContains(out_.str(), "r1  live  last step 5\n")) << out_.str();
  EXPECT_TRUE(absl::StrContains(out_.str(), "r1  finished  last step 10\n")) << out_.str();
}

TEST_F(CommandsTest, WrongArgumentsGiveUsage) {
  EXPECT_EQ(Run({"show"}, false).code(), absl::StatusCode::kInvalidArgument);
  const absl::Status status = Run({"frobnicate"}, false);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "usage: actiscope")) << status;
}

TEST(CommandsUnreachableTest, SaysTheServerCannotBeReached) {
  // Port 1 on loopback: nothing listens there.
  auto stub =
      v1::Query::NewStub(grpc::CreateChannel("127.0.0.1:1", grpc::InsecureChannelCredentials()));
  CommandOptions options;
  options.connection.address = "127.0.0.1:1";
  std::ostringstream out;
  Commands commands(stub.get(), options, &out);
  const absl::Status status = commands.Runs();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StartsWith(status.message(), "cannot reach server at 127.0.0.1:1: ")) << status;
  EXPECT_TRUE(absl::EndsWith(status.message(), "is actiscope-server running?")) << status;
}

}  // namespace
}  // namespace actiscope::cli
