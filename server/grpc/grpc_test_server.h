// Test support for the gRPC service tests: a real GrpcServer on 127.0.0.1:0 over a SqliteStore
// in a fresh temporary file, with a channel and stubs to drive it, plus builders of frames and
// batches. Header only; test code only.
//
// Thread-safety: as the stubs (any thread); construct and destroy on one thread.
#ifndef ACTISCOPE_SERVER_GRPC_GRPC_TEST_SERVER_H_
#define ACTISCOPE_SERVER_GRPC_GRPC_TEST_SERVER_H_

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "server/grpc/grpc_server.h"

namespace actiscope::server::testing {

class TestGrpcServer {
 public:
  // The server accepts messages up to `max_message_bytes`.
  explicit TestGrpcServer(size_t max_message_bytes = 1 << 20, bool reflection = false)
      : TestGrpcServer([&](GrpcServerOptions& options) {
          options.max_message_bytes = max_message_bytes;
          options.reflection = reflection;
        }) {}

  // A server with the options `configure` sets (beyond address and test timings), over a store
  // with `query_limits`; with tls_cert_file set, channel() and the stubs are not usable (make a
  // TLS channel instead).
  explicit TestGrpcServer(const std::function<void(GrpcServerOptions&)>& configure,
                          const QueryLimits& query_limits = QueryLimits())
      : db_path_(temp_dir_.File("test.db")) {
    StoreOptions store_options;
    store_options.path = db_path_;
    store_options.query_limits = query_limits;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(store_options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return;
    store_ = *std::move(store);
    GrpcServerOptions options;
    options.address = "127.0.0.1:0";
    options.max_message_bytes = 1 << 20;
    options.query.watch_cancel_check = absl::Milliseconds(50);
    configure(options);
    server_ = std::make_unique<GrpcServer>(options, store_.get(), &notifier_);
    absl::Status started = server_->Start();
    EXPECT_TRUE(started.ok()) << started;
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(-1);
    args.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                         grpc::InsecureChannelCredentials(), args);
    collector_ = v1::Collector::NewStub(channel_);
    query_ = v1::Query::NewStub(channel_);
  }

  ~TestGrpcServer() {
    notifier_.Shutdown();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
    server_.reset();
    store_.reset();
  }

  int port() const { return server_->port(); }
  SqliteStore& store() { return *store_; }
  RunNotifier& notifier() { return notifier_; }
  const std::shared_ptr<grpc::Channel>& channel() { return channel_; }
  v1::Collector::Stub& collector() { return *collector_; }
  v1::Query::Stub& query() { return *query_; }

  // Starts run `run_id`; returns the call's status.
  grpc::Status StartRun(const std::string& run_id, v1::StartRunResponse* response = nullptr) {
    v1::RunSpec spec;
    spec.set_run_id(run_id);
    spec.set_name(absl::StrCat("run ", run_id));
    v1::StartRunResponse ignored;
    grpc::ClientContext context;
    return collector_->StartRun(&context, spec, response != nullptr ? response : &ignored);
  }

  // Sends `requests` on one Push stream, collecting the acks; returns the stream's status.
  grpc::Status Push(const std::vector<v1::PushRequest>& requests,
                    std::vector<v1::PushAck>* acks = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    auto stream = collector_->Push(&context);
    for (const v1::PushRequest& request : requests) {
      if (!stream->Write(request)) break;
      v1::PushAck ack;
      if (!stream->Read(&ack)) break;
      if (acks != nullptr) acks->push_back(ack);
    }
    stream->WritesDone();
    v1::PushAck extra;
    while (stream->Read(&extra)) {
      if (acks != nullptr) acks->push_back(extra);
    }
    return stream->Finish();
  }

  grpc::Status GetRun(const std::string& run_id, v1::RunDetail* detail) {
    grpc::ClientContext context;
    v1::GetRunRequest request;
    request.set_run_id(run_id);
    return query_->GetRun(&context, request, detail);
  }

  grpc::Status GetHeatmap(const v1::GetHeatmapRequest& request, v1::Heatmap* heatmap) {
    grpc::ClientContext context;
    return query_->GetHeatmap(&context, request, heatmap);
  }

 private:
  ::actiscope::testing::TempDir temp_dir_{"grpc_test"};
  std::string db_path_;
  RunNotifier notifier_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Collector::Stub> collector_;
  std::unique_ptr<v1::Query::Stub> query_;
};

// A linear [-1, 1) activation frame of `layer` at `step` whose `bins` counts are
// step + bin (so each step and bin is recognizable), with matching stats.
inline v1::Frame MakeFrame(const std::string& layer, int64_t step, uint32_t bins,
                           std::vector<uint64_t>* counts) {
  v1::Frame frame;
  frame.set_layer(layer);
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(bins);
  frame.mutable_layout()->set_lo(-1);
  frame.mutable_layout()->set_hi(1);
  counts->clear();
  uint64_t total = 0;
  for (uint32_t b = 0; b < bins; ++b) {
    counts->push_back(static_cast<uint64_t>(step) + b);
    total += counts->back();
  }
  frame.mutable_stats()->set_elements(total);
  return frame;
}

// A batch of `layer` frames for steps [first_step, first_step + steps) with `bins` bins and
// one "loss" scalar per step, delta-encoded by codec::FrameBatchBuilder.
inline v1::FrameBatch MakeBatch(const std::string& layer, int64_t first_step, int steps,
                                uint32_t bins = 8) {
  codec::FrameBatchBuilder builder;
  for (int64_t step = first_step; step < first_step + steps; ++step) {
    std::vector<uint64_t> counts;
    v1::Frame frame = MakeFrame(layer, step, bins, &counts);
    builder.AddFrame(std::move(frame), counts);
    v1::Scalar loss;
    loss.set_name("loss");
    loss.set_step(step);
    loss.set_value(1.0 / static_cast<double>(step + 1));
    builder.AddScalar(std::move(loss));
  }
  return builder.Take();
}

inline v1::PushRequest MakeRequest(const std::string& run_id, uint64_t sequence,
                                   v1::FrameBatch batch) {
  v1::PushRequest request;
  request.set_run_id(run_id);
  request.set_sequence(sequence);
  *request.mutable_batch() = std::move(batch);
  return request;
}

}  // namespace actiscope::server::testing

#endif  // ACTISCOPE_SERVER_GRPC_GRPC_TEST_SERVER_H_
