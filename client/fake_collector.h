// Test support: an in-process Collector service that stores what it receives in memory,
// deduplicating frames by (run, layer, kind, rank, step) as the real server does, and can be
// shut down and restarted on the same port, made to hold back acks, made to require a bearer
// token, made to refuse a chosen Push request (ending the stream with an error, as the
// server ends it on the first request it refuses) or the StartRun of a run, and made to
// announce alerts in the acks of chosen steps (PushAck.alerts); it records the
// `authorization` metadata of every call, every RunSpec StartRun received and the
// dropped_frames and rejected_frames reported. Header only; tests only.
//
// Thread-safety: all members are thread-safe.
#ifndef ACTISCOPE_CLIENT_FAKE_COLLECTOR_H_
#define ACTISCOPE_CLIENT_FAKE_COLLECTOR_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "proto/histogram_codec.h"

namespace actiscope::client::testing {

class FakeCollector {
 public:
  using FrameKey = std::tuple<std::string, std::string, int, uint32_t, int64_t>;
  struct Stored {
    std::vector<uint64_t> counts;
    v1::HistogramStats stats;
    int received = 0;  // Times this frame arrived (duplicates included).
  };

  ~FakeCollector() { Shutdown(); }

  // Serves on 127.0.0.1:`port` (0: any); returns the port.
  int Serve(int port = 0) {
    grpc::ServerBuilder builder;
    int bound = 0;
    builder.AddListeningPort(absl::StrCat("127.0.0.1:", port), grpc::InsecureServerCredentials(),
                             &bound);
    service_ = std::make_unique<Service>(this);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    return bound;
  }

  void Shutdown() {
    if (server_ == nullptr) return;
    OpenAckGate();
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    server_->Wait();
    server_.reset();
    service_.reset();
  }

  void CloseAckGate() {
    absl::MutexLock lock(&mu_);
    gate_open_ = false;
  }
  void OpenAckGate() {
    absl::MutexLock lock(&mu_);
    gate_open_ = true;
  }

  // From now on, calls without `authorization: Bearer TOKEN` are refused (UNAUTHENTICATED);
  // empty: every call is accepted.
  void RequireToken(const std::string& token) {
    absl::MutexLock lock(&mu_);
    required_token_ = token;
  }

  // The `authorization` metadata of each call of `method` ("StartRun", "Push" or "FinishRun")
  // so far, in order; "" for a call without.
  std::vector<std::string> authorizations(const std::string& method) {
    absl::MutexLock lock(&mu_);
    return authorizations_[method];
  }

  // Records the call's authorization; UNAUTHENTICATED when a required token is missing.
  grpc::Status Authorize(const grpc::ServerContext* context, const std::string& method) {
    const auto& metadata = context->client_metadata();
    const auto it = metadata.find("authorization");
    const std::string authorization =
        it == metadata.end() ? "" : std::string(it->second.data(), it->second.size());
    absl::MutexLock lock(&mu_);
    authorizations_[method].push_back(authorization);
    if (!required_token_.empty() && authorization != "Bearer " + required_token_) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or unknown token");
    }
    return grpc::Status::OK;
  }

  // Ends the Push stream with `status`, storing nothing of it, when request `sequence` of
  // `run_id` arrives: the next `times` times it arrives (negative: always).
  void Refuse(const std::string& run_id, uint64_t sequence, grpc::Status status, int times = -1) {
    absl::MutexLock lock(&mu_);
    refusals_[{run_id, sequence}] = Refusal{std::move(status), times, 0};
  }
  // Ends the Push stream with `status`, storing nothing of it, when a request of `run_id`
  // holding a frame of `step` arrives (always).
  void RefuseStep(const std::string& run_id, int64_t step, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    step_refusals_[{run_id, step}] = std::move(status);
  }
  // Waits until at least `n` requests were refused (by Refuse or RefuseStep) in all.
  bool WaitForRefusals(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return refusals_total_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }
  // How often request `sequence` of `run_id` was refused so far.
  int refused(const std::string& run_id, uint64_t sequence) {
    absl::MutexLock lock(&mu_);
    const auto it = refusals_.find({run_id, sequence});
    return it == refusals_.end() ? 0 : it->second.refused;
  }
  // Every ack of a request of `run_id` holding a frame of `step` announces `alert`, re-sends
  // included (the real collector announces an alert once; a client must not rely on that).
  void AnnounceAtStep(const std::string& run_id, int64_t step, v1::AlertNotice alert) {
    absl::MutexLock lock(&mu_);
    announcements_[{run_id, step}].push_back(std::move(alert));
  }
  // StartRun of `run_id` fails with `status` from now on (OK: succeeds again).
  void RefuseStartRun(const std::string& run_id, grpc::Status status) {
    absl::MutexLock lock(&mu_);
    start_run_refusals_[run_id] = std::move(status);
  }

  grpc::Status StartRun(const v1::RunSpec* run, v1::StartRunResponse* response) {
    absl::MutexLock lock(&mu_);
    start_runs_.push_back(*run);
    if (const auto it = start_run_refusals_.find(run->run_id());
        it != start_run_refusals_.end() && !it->second.ok()) {
      return it->second;
    }
    response->set_created(runs_.emplace(run->run_id(), *run).second);
    response->set_run_id(run->run_id());
    return grpc::Status::OK;
  }

  grpc::Status Push(grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) {
    v1::PushRequest request;
    std::string stream_run_id;  // Requests without run_id continue the stream's run.
    while (stream->Read(&request)) {
      if (request.run_id().empty()) {
        if (stream_run_id.empty()) {
          return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no run_id on the stream");
        }
        request.set_run_id(stream_run_id);
        absl::MutexLock lock(&mu_);
        ++requests_without_run_id_;
      }
      stream_run_id = request.run_id();
      absl::StatusOr<v1::FrameBatch> batch =
          codec::DecompressBatch(request.zstd_batch(), size_t{64} << 20);
      if (!batch.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad batch");
      absl::StatusOr<std::vector<std::vector<uint64_t>>> counts = codec::DecodeBatchCounts(*batch);
      if (!counts.ok()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad counts");
      v1::PushAck ack;
      ack.set_sequence(request.sequence());
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(&gate_open_));
        if (runs_.count(request.run_id()) == 0) {
          return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown run");
        }
        if (auto it = refusals_.find({request.run_id(), request.sequence()});
            it != refusals_.end() && it->second.times != 0) {
          if (it->second.times > 0) --it->second.times;
          ++it->second.refused;
          ++refusals_total_;
          return it->second.status;
        }
        for (const v1::Frame& f : batch->frames()) {
          const auto it = step_refusals_.find({request.run_id(), f.step()});
          if (it != step_refusals_.end()) {
            ++refusals_total_;
            return it->second;
          }
        }
        dropped_ += request.dropped_frames();
        rejected_ += request.rejected_frames();
        for (int i = 0; i < batch->frames_size(); ++i) {
          const v1::Frame& f = batch->frames(i);
          Stored& stored =
              frames_[FrameKey(request.run_id(), f.layer(), f.kind(), f.rank(), f.step())];
          if (const auto it = announcements_.find({request.run_id(), f.step()});
              it != announcements_.end()) {
            for (const v1::AlertNotice& alert : it->second) *ack.add_alerts() = alert;
          }
          if (stored.received++ == 0) {
            stored.counts = (*counts)[i];
            stored.stats = f.stats();
            ack.set_frames_stored(ack.frames_stored() + 1);
          } else {
            ack.set_frames_ignored(ack.frames_ignored() + 1);
          }
        }
        for (const v1::Scalar& s : batch->scalars()) {
          scalars_[{request.run_id(), s.name(), s.step()}] = s.value();
        }
      }
      if (!stream->Write(ack)) break;
    }
    return grpc::Status::OK;
  }

  grpc::Status FinishRun(const v1::FinishRunRequest* request) {
    absl::MutexLock lock(&mu_);
    finished_[request->run_id()] = request->status();
    return grpc::Status::OK;
  }

  // Waits until at least `n` distinct frames are stored.
  bool WaitForFrames(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    const auto enough = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return frames_.size() >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

  std::map<FrameKey, Stored> frames() {
    absl::MutexLock lock(&mu_);
    return frames_;
  }
  size_t scalar_count() {
    absl::MutexLock lock(&mu_);
    return scalars_.size();
  }
  // Push requests that came without run_id (continuing their stream's run).
  uint64_t requests_without_run_id() {
    absl::MutexLock lock(&mu_);
    return requests_without_run_id_;
  }
  uint64_t dropped() {
    absl::MutexLock lock(&mu_);
    return dropped_;
  }
  uint64_t rejected() {
    absl::MutexLock lock(&mu_);
    return rejected_;
  }
  // Every RunSpec StartRun received, refused ones included, in order.
  std::vector<v1::RunSpec> start_runs() {
    absl::MutexLock lock(&mu_);
    return start_runs_;
  }
  std::map<std::string, v1::RunStatus> finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  std::map<std::string, v1::RunSpec> runs() {
    absl::MutexLock lock(&mu_);
    return runs_;
  }

 private:
  // A fresh service object per Serve(): gRPC registers a service with one server only.
  class Service : public v1::Collector::Service {
   public:
    explicit Service(FakeCollector* owner) : owner_(owner) {}
    grpc::Status StartRun(grpc::ServerContext* context, const v1::RunSpec* run,
                          v1::StartRunResponse* response) override {
      grpc::Status status = owner_->Authorize(context, "StartRun");
      return status.ok() ? owner_->StartRun(run, response) : status;
    }
    grpc::Status Push(grpc::ServerContext* context,
                      grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) override {
      grpc::Status status = owner_->Authorize(context, "Push");
      return status.ok() ? owner_->Push(stream) : status;
    }
    grpc::Status FinishRun(grpc::ServerContext* context, const v1::FinishRunRequest* request,
                           v1::FinishRunResponse*) override {
      grpc::Status status = owner_->Authorize(context, "FinishRun");
      return status.ok() ? owner_->FinishRun(request) : status;
    }

   private:
    FakeCollector* owner_;
  };

  struct Refusal {
    grpc::Status status;
    int times = -1;
    int refused = 0;
  };

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  absl::Mutex mu_;
  bool gate_open_ ABSL_GUARDED_BY(mu_) = true;
  std::string required_token_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<std::string>> authorizations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::RunSpec> runs_ ABSL_GUARDED_BY(mu_);
  std::map<FrameKey, Stored> frames_ ABSL_GUARDED_BY(mu_);
  std::map<std::tuple<std::string, std::string, int64_t>, double> scalars_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::RunStatus> finished_ ABSL_GUARDED_BY(mu_);
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::pair<std::string, uint64_t>, Refusal> refusals_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int64_t>, grpc::Status> step_refusals_ ABSL_GUARDED_BY(mu_);
  int refusals_total_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, grpc::Status> start_run_refusals_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, int64_t>, std::vector<v1::AlertNotice>> announcements_
      ABSL_GUARDED_BY(mu_);
  std::vector<v1::RunSpec> start_runs_ ABSL_GUARDED_BY(mu_);
  uint64_t requests_without_run_id_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace actiscope::client::testing

#endif  // ACTISCOPE_CLIENT_FAKE_COLLECTOR_H_
