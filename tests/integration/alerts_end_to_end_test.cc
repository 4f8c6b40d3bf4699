// Alerts end to end: a real actiscope-server, a Push of three synthetic series (one collapsing,
// one with a NaN frame, one healthy), then `actiscope alerts RUN --json` reading back what the
// server's detectors (server/alerts/) stored at ingest.
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "common/testing/temp_dir.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"

namespace actiscope::testing {
namespace {

using google::protobuf::Value;

constexpr int64_t kSteps = 100;
constexpr int64_t kCollapseFrom = 40;  // conv5_x: 98 % of activations in the lowest bin.
constexpr int64_t kNanStep = 63;       // fc: 3 NaN among its activations at this step only.
constexpr uint32_t kBins = 40;         // Linear over [0, 10): bins 0.25 wide.

// A frame of `layer` at `step` whose activations follow a bump drifting with the step (a
// healthy layer), all but 2 % sit in the lowest bin (collapsed), plus `nans` NaN.
v1::Frame MakeFrame(const std::string& layer, int64_t step, bool collapsed, uint64_t nans,
                    std::vector<uint64_t>* counts) {
  v1::Frame frame;
  frame.set_layer(layer);
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(kBins);
  frame.mutable_layout()->set_lo(0);
  frame.mutable_layout()->set_hi(10);
  counts->assign(kBins, 0);
  if (collapsed) {
    (*counts)[0] = 980;
    (*counts)[1] = 20;
  } else {
    const double centre = 8 + 0.02 * static_cast<double>(step);
    for (uint32_t b = 0; b < kBins; ++b) {
      const double d = (b - centre) / 4;
      (*counts)[b] = static_cast<uint64_t>(std::lround(100 * std::exp(-d * d / 2)));
    }
  }
  double sum = 0, sum_squares = 0;
  uint64_t elements = nans;
  for (uint32_t b = 0; b < kBins; ++b) {
    const double x = 0.25 * (b + 0.5);
    sum += static_cast<double>((*counts)[b]) * x;
    sum_squares += static_cast<double>((*counts)[b]) * x * x;
    elements += (*counts)[b];
  }
  v1::HistogramStats* stats = frame.mutable_stats();
  stats->set_elements(elements);
  stats->set_nonfinite(nans);
  stats->set_sum(sum);
  stats->set_sum_squares(sum_squares);
  stats->set_min(0);
  stats->set_max(10);
  return frame;
}

Value ParseJson(const std::string& json) {
  Value value;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &value);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << json;
  return value;
}

const Value& Field(const Value& object, const std::string& key) {
  static const Value kMissing;
  const auto& fields = object.struct_value().fields();
  auto it = fields.find(key);
  EXPECT_NE(it, fields.end()) << "missing key \"" << key << "\"";
  return it == fields.end() ? kMissing : it->second;
}

TEST(AlertsEndToEndTest, CollapseAndNanAreFlaggedAndTheHealthyLayerIsNot) {
  TempDir dir("alerts_end_to_end_test");
  ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir.File("actiscope.db");
  options.scratch_dir = dir.path();
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();

  auto channel = grpc::CreateChannel((*server)->grpc_address(), grpc::InsecureChannelCredentials());
  std::unique_ptr<v1::Collector::Stub> collector = v1::Collector::NewStub(channel);
  {
    v1::RunSpec spec;
    spec.set_run_id("alerts-run");
    spec.set_name("alerts");
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    v1::StartRunResponse response;
    grpc::Status status = collector->StartRun(&context, spec, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    auto stream = collector->Push(&context);
    // One request per 10 steps, as a reporter batches them.
    for (int64_t first = 0; first < kSteps; first += 10) {
      codec::FrameBatchBuilder builder;
      for (int64_t step = first; step < first + 10; ++step) {
        // MakeFrame fills counts before AddFrame reads them (not in one call's arguments,
        // whose order of evaluation is unspecified).
        std::vector<uint64_t> counts;
        v1::Frame frame = MakeFrame("conv1", step, false, 0, &counts);
        builder.AddFrame(std::move(frame), counts);
        frame = MakeFrame("conv5_x", step, step >= kCollapseFrom, 0, &counts);
        builder.AddFrame(std::move(frame), counts);
        frame = MakeFrame("fc", step, false, step == kNanStep ? 3 : 0, &counts);
        builder.AddFrame(std::move(frame), counts);
      }
      v1::PushRequest request;
      request.set_run_id("alerts-run");
      request.set_sequence(static_cast<uint64_t>(first / 10 + 1));
      *request.mutable_batch() = builder.Take();
      ASSERT_TRUE(stream->Write(request));
      v1::PushAck ack;
      // Acked means committed, alerts included.
      ASSERT_TRUE(stream->Read(&ack)) << stream->Finish().error_message();
      EXPECT_EQ(ack.frames_stored(), 30u);
    }
    stream->WritesDone();
    grpc::Status status = stream->Finish();
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  absl::StatusOr<CommandOutput> out =
      RunCommand({ACTISCOPE_CLI_BIN, absl::StrCat("--server=", (*server)->grpc_address()), "alerts",
                  "alerts-run", "--json"},
                 dir.path(), absl::Seconds(30));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->exit_status, 0) << out->err;
  const Value alerts = ParseJson(out->out);
  ASSERT_EQ(alerts.kind_case(), Value::kListValue) << out->out;
  bool collapse = false, nonfinite = false;
  for (const Value& alert : alerts.list_value().values()) {
    const std::string layer = Field(alert, "layer").string_value();
    const std::string type = Field(alert, "type").string_value();
    EXPECT_NE(layer, "conv1") << "the healthy layer got " << type << ": " << out->out;
    EXPECT_FALSE(Field(alert, "message").string_value().empty());
    if (layer == "conv5_x" && type == "collapse") {
      collapse = true;
      // It began at kCollapseFrom and was reported once it held for 20 frames.
      EXPECT_EQ(Field(alert, "first_step").number_value(), kCollapseFrom);
      EXPECT_GE(Field(alert, "last_step").number_value(), kCollapseFrom + 19);
      EXPECT_EQ(Field(alert, "severity").string_value(), "warning");
      EXPECT_GT(Field(alert, "value").number_value(), Field(alert, "threshold").number_value());
    }
    if (layer == "fc" && type == "nonfinite") {
      nonfinite = true;
      EXPECT_EQ(Field(alert, "first_step").number_value(), kNanStep);
      EXPECT_EQ(Field(alert, "severity").string_value(), "critical");
      EXPECT_EQ(Field(alert, "value").number_value(), 3);
    }
  }
  EXPECT_TRUE(collapse) << out->out;
  EXPECT_TRUE(nonfinite) << out->out;

  absl::StatusOr<CommandOutput> runs = RunCommand(
      {ACTISCOPE_CLI_BIN, absl::StrCat("--server=", (*server)->grpc_address()), "runs", "--json"},
      dir.path(), absl::Seconds(30));
  ASSERT_TRUE(runs.ok()) << runs.status();
  const Value listed = ParseJson(runs->out);
  ASSERT_EQ(listed.list_value().values_size(), 1) << runs->out;
  EXPECT_EQ(Field(listed.list_value().values(0), "alerts").number_value(),
            alerts.list_value().values_size());
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->log();
}

}  // namespace
}  // namespace actiscope::testing
