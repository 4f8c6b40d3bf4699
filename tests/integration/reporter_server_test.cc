// The reporter against a real actiscope-server process: killed and restarted mid-stream, every
// frame is stored exactly once; a spool left by a killed trainer is delivered by the next one.
#include <ATen/ATen.h>
#include <grpcpp/grpcpp.h>
#include <stdlib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "client/spool.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"

namespace actiscope::client {
namespace {

using ::actiscope::testing::TempDir;

using actiscope::testing::ServerProcess;
using actiscope::testing::ServerProcessOptions;

constexpr int kLayers = 3;
const BinLayout kBins{BinScale::kLinear, 40, -3, 3};

at::Tensor Activation(int64_t step, int layer) {
  at::manual_seed(step * 10 + layer);
  return at::randn({32, 17});
}

void RecordSteps(Reporter* reporter, int64_t first, int64_t last) {
  for (int64_t step = first; step < last; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      reporter->Record(step, Kind::kActivation, absl::StrCat("layer", layer),
                       Activation(step, layer), kBins);
    }
  }
}

std::unique_ptr<ServerProcess> StartServer(const std::string& dir, int port) {
  ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir + "/actiscope.db";
  options.scratch_dir = dir;
  if (port != 0) options.extra_args = {absl::StrCat("--grpc_addr=127.0.0.1:", port)};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  return server.ok() ? *std::move(server) : nullptr;
}

// Every step [0, steps) of every layer of `run_id` is stored as exactly one histogram with
// the counts computed here.
void ExpectStoredExactlyOnce(const std::string& address, const std::string& run_id, int64_t steps) {
  auto query = v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  for (int layer = 0; layer < kLayers; ++layer) {
    grpc::ClientContext context;
    v1::GetHeatmapRequest request;
    request.set_run_id(run_id);
    request.set_layer(absl::StrCat("layer", layer));
    request.set_kind(v1::KIND_ACTIVATION);
    request.set_max_columns(static_cast<uint32_t>(steps));  // One column per step.
    v1::Heatmap heatmap;
    const grpc::Status status = query->GetHeatmap(&context, request, &heatmap);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(heatmap.columns_size(), steps) << "layer " << layer;
    for (const v1::HeatmapColumn& column : heatmap.columns()) {
      ASSERT_EQ(column.step_from(), column.step_to());
      EXPECT_EQ(column.histograms(), 1u) << "step " << column.step_from();
      const std::vector<uint64_t> expected =
          ComputeHistogram(Activation(column.step_from(), layer), kBins)->counts;
      EXPECT_EQ(std::vector<uint64_t>(column.counts().begin(), column.counts().end()), expected)
          << "step " << column.step_from();
    }
  }
}

// Waits until the server stores at least one step of layer0 of `run_id`.
bool WaitForFirstStep(const std::string& address, const std::string& run_id) {
  auto query = v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    v1::GetHeatmapRequest request;
    request.set_run_id(run_id);
    request.set_layer("layer0");
    v1::Heatmap heatmap;
    if (query->GetHeatmap(&context, request, &heatmap).ok() && heatmap.columns_size() > 0) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return false;
}

TEST(ReporterServerTest, ServerKilledAndRestartedMidStreamStoresEveryFrameOnce) {
  TempDir temp_dir("reporter_server_test");
  const std::string dir = temp_dir.path();
  std::unique_ptr<ServerProcess> server = StartServer(dir, 0);
  ASSERT_NE(server, nullptr);
  const int port = server->grpc_port();
  ReporterOptions options;
  options.server_address = server->grpc_address();
  options.run.run_id = "killed-server";
  options.spool_dir = dir + "/spool";
  options.flush_interval = absl::Milliseconds(10);
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok()) << reporter.status();
  RecordSteps(reporter->get(), 0, 20);
  ASSERT_TRUE(WaitForFirstStep(server->grpc_address(), "killed-server"));
  RecordSteps(reporter->get(), 20, 40);  // Streaming while the server dies.
  server->Stop(absl::ZeroDuration());
  RecordSteps(reporter->get(), 40, 80);
  server = StartServer(dir, port);
  ASSERT_NE(server, nullptr);
  RecordSteps(reporter->get(), 80, 120);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(60));
  EXPECT_TRUE(report.all_delivered) << report.frames_in_spool << " in spool";
  ExpectStoredExactlyOnce(server->grpc_address(), "killed-server", 120);
}

TEST(ReporterServerTest, SpoolOfAKilledTrainerIsDeliveredByTheNextReporter) {
  TempDir temp_dir("reporter_server_test");
  const std::string dir = temp_dir.path();
  const std::string spool_dir = dir + "/spool";
  absl::StatusOr<std::unique_ptr<actiscope::testing::Subprocess>> child =
      actiscope::testing::Subprocess::Start(
          {ACTISCOPE_SPOOL_CHILD_BIN, spool_dir, "killed-trainer", "25"}, dir + "/child.out",
          dir + "/child.err");
  ASSERT_TRUE(child.ok()) << child.status();
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  uint64_t spooled = 0;
  while (absl::Now() < deadline) {  // Until the child's spool holds every frame.
    absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(spool_dir, size_t{1} << 30);
    if (spool.ok()) spooled = (*spool)->frames();
    if (spooled == 25u * kLayers) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(spooled, 25u * kLayers);
  (*child)->Stop(absl::ZeroDuration());

  std::unique_ptr<ServerProcess> server = StartServer(dir, 0);
  ASSERT_NE(server, nullptr);
  ReporterOptions options;
  options.server_address = server->grpc_address();
  options.run.run_id = "next-trainer";
  options.spool_dir = spool_dir;
  auto reporter = Reporter::Start(options);
  ASSERT_TRUE(reporter.ok()) << reporter.status();
  RecordSteps(reporter->get(), 0, 5);
  const FinishReport report = (*reporter)->Finish(true, absl::Seconds(60));
  EXPECT_TRUE(report.all_delivered);
  ExpectStoredExactlyOnce(server->grpc_address(), "killed-trainer", 25);
  ExpectStoredExactlyOnce(server->grpc_address(), "next-trainer", 5);
}

}  // namespace
}  // namespace actiscope::client
