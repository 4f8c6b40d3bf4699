#include "tests/loadgen/load_driver.h"

#include <memory>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"

namespace actiscope::loadgen {
namespace {

// Acknowledges every batch it can decode, counting frames per run; with `reject_sequence` set
// it ends the stream with INVALID_ARGUMENT at that batch instead.
class FakeCollector final : public v1::Collector::Service {
 public:
  explicit FakeCollector(int64_t reject_sequence = -1) : reject_sequence_(reject_sequence) {}

  grpc::Status StartRun(grpc::ServerContext*, const v1::RunSpec* spec,
                        v1::StartRunResponse* response) override {
    absl::MutexLock lock(&mu_);
    started_.insert(spec->run_id());
    response->set_run_id(spec->run_id());
    response->set_created(true);
    return grpc::Status::OK;
  }
  grpc::Status Push(grpc::ServerContext*,
                    grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) override {
    v1::PushRequest request;
    while (stream->Read(&request)) {
      if (static_cast<int64_t>(request.sequence()) == reject_sequence_) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "batch rejected by the fake");
      }
      absl::StatusOr<v1::FrameBatch> batch = codec::DecompressBatch(request.zstd_batch(), 64 << 20);
      if (!batch.ok()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "not a zstd batch");
      }
      if (!codec::DecodeBatchCounts(*batch).ok()) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "inconsistent frames");
      }
      {
        absl::MutexLock lock(&mu_);
        frames_ += batch->frames_size();
      }
      v1::PushAck ack;
      ack.set_sequence(request.sequence());
      ack.set_frames_stored(static_cast<uint32_t>(batch->frames_size()));
      stream->Write(ack);
    }
    return grpc::Status::OK;
  }
  grpc::Status FinishRun(grpc::ServerContext*, const v1::FinishRunRequest* request,
                         v1::FinishRunResponse*) override {
    absl::MutexLock lock(&mu_);
    finished_.insert(request->run_id());
    return grpc::Status::OK;
  }

  int64_t frames() {
    absl::MutexLock lock(&mu_);
    return frames_;
  }
  std::set<std::string> finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  const int64_t reject_sequence_;
  absl::Mutex mu_;
  int64_t frames_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<std::string> started_ ABSL_GUARDED_BY(mu_);
  std::set<std::string> finished_ ABSL_GUARDED_BY(mu_);
};

struct FakeServer {
  explicit FakeServer(FakeCollector* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service);
    server = builder.BuildAndStart();
  }
  ~FakeServer() { server->Shutdown(); }
  std::string address() const { return "127.0.0.1:" + std::to_string(port); }

  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

LoadOptions Options(const std::string& address) {
  LoadOptions options;
  options.connection.address = address;
  options.clients = 3;
  options.run.layers = 2;
  options.run.steps = 100;
  options.steps_per_push = 16;
  options.run_prefix = "t";
  return options;
}

TEST(LoadDriverTest, EveryClientSendsItsRunAndEveryBatchIsAcknowledged) {
  FakeCollector service;
  FakeServer server(&service);
  absl::StatusOr<LoadReport> report = RunLoad(Options(server.address()));
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->histograms, 3u * 2 * 100);
  EXPECT_EQ(report->frames_stored, 3u * 2 * 100);
  EXPECT_EQ(report->scalars, 3u * 2 * 100);
  EXPECT_EQ(report->pushes, 3u * 7);  // ceil(100 / 16) batches per run.
  EXPECT_EQ(service.frames(), 3 * 2 * 100);
  EXPECT_EQ(service.finished(), (std::set<std::string>{"t-0", "t-1", "t-2"}));
  EXPECT_LE(report->ack_p50, report->ack_p99);
  EXPECT_GT(report->histograms_per_s(), 0);
}

TEST(LoadDriverTest, PrebuiltBatchesSendTheSameData) {
  FakeCollector service;
  FakeServer server(&service);
  LoadOptions options = Options(server.address());
  options.prebuild = true;
  absl::StatusOr<LoadReport> report = RunLoad(options);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(service.frames(), 3 * 2 * 100);
}

TEST(LoadDriverTest, ARejectedBatchFailsTheLoadNamingTheRun) {
  FakeCollector service(/*reject_sequence=*/2);
  FakeServer server(&service);
  LoadOptions options = Options(server.address());
  options.clients = 1;
  absl::StatusOr<LoadReport> report = RunLoad(options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(report.status().message(), "Push t-0")) << report.status();
  EXPECT_TRUE(absl::StrContains(report.status().message(), "batch rejected by the fake"));
  EXPECT_TRUE(service.finished().empty());
}

TEST(LoadDriverTest, UnreachableServerIsUnavailable) {
  absl::StatusOr<LoadReport> report = RunLoad(Options("127.0.0.1:1"));
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kUnavailable) << report.status();
  EXPECT_TRUE(absl::StrContains(report.status().message(), "StartRun t-")) << report.status();
}

TEST(LoadDriverTest, ReportJsonHasTheFigures) {
  LoadReport report;
  report.run_ids = {"a-0"};
  report.histograms = 1000;
  report.elapsed = absl::Seconds(2);
  report.ack_p50 = absl::Milliseconds(3);
  report.ack_p99 = absl::Milliseconds(9);
  const std::string json = ReportJson(report);
  EXPECT_TRUE(absl::StrContains(json, "\"runs\":[\"a-0\"]")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"histograms_per_s\":500.0")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"ack_p99_ms\":9.000")) << json;
}

TEST(LoadDriverTest, RejectsNonPositiveSizes) {
  LoadOptions options = Options("127.0.0.1:1");
  options.clients = 0;
  EXPECT_EQ(RunLoad(options).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::loadgen
