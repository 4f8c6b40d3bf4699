#include "server/grpc/collector_service.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"
#include "proto/histogram_codec.h"
#include "server/grpc/proto_convert.h"
#include "server/grpc/request_validation.h"

namespace actiscope::server {
namespace {

// `status` with `context` in front of its message, same code.
absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(), absl::StrCat(context, status.message()));
}

// INVALID_ARGUMENT unless `rank` of item `index` (a frame or a scalar) is below the run's
// world size: a rank the run does not have would make a series nobody reads.
absl::Status CheckRank(absl::string_view what, int index, uint32_t rank, uint32_t world_size) {
  if (rank < world_size) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(what, " ", index, ": rank ", rank,
                                                 " is not below the run's world_size ", world_size,
                                                 " (set RunSpec.world_size in StartRun)"));
}

}  // namespace

CollectorService::CollectorService(CollectorOptions options, CollectorGuards guards,
                                   SqliteStore* store, RunNotifier* notifier)
    : options_(options),
      guards_(guards),
      store_(store),
      notifier_(notifier),
      alerts_(options.alerts) {}

grpc::Status CollectorService::StartRun(grpc::ServerContext* context, const v1::RunSpec* spec,
                                        v1::StartRunResponse* response) {
  if (auto caller = guards_.authorizer->Authorize(*context, Role::kIngest, "StartRun");
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  if (absl::Status s = ValidateRunSpec(*spec); !s.ok()) {
    return ToGrpcStatus(WithContext(s, "StartRun: "));
  }
  uint64_t config_bytes = 0;
  for (const auto& [key, value] : spec->config()) config_bytes += key.size() + value.size();
  if (config_bytes > options_.max_config_bytes) {
    return ToGrpcStatus(absl::InvalidArgumentError(
        absl::StrCat("StartRun: config: ", config_bytes,
                     " bytes of keys and values, over the "
                     "limit of ",
                     options_.max_config_bytes, " (--max_config_bytes)")));
  }
  std::optional<ResumeRequest> resume;
  if (spec->resumed()) {
    resume = ResumeRequest{spec->resume_id(), spec->resume_from_step(), spec->resume_rank(),
                           spec->resume_whole_run()};
  }
  absl::StatusOr<bool> created = store_->CreateRun(FromRunSpec(*spec, absl::Now()), resume);
  if (!created.ok()) {
    if (guards_.counters != nullptr) guards_.counters->CountRefusal(created.status().code(), 0);
    return ToGrpcStatus(created.status());
  }
  // Resumed steps are replaced: the detectors start over with the resumed frames.
  if (resume.has_value()) {
    alerts_.ForgetRun(spec->run_id());
    began_alerts_.ForgetRun(spec->run_id());
  }
  notifier_->Notify(spec->run_id());
  response->set_run_id(spec->run_id());
  response->set_created(*created);
  return grpc::Status::OK;
}

grpc::Status CollectorService::Push(
    grpc::ServerContext* context, grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) {
  absl::StatusOr<Caller> caller = guards_.authorizer->Authorize(*context, Role::kIngest, "Push");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> ticket =
      guards_.push_streams->Admit(guards_.authorizer->PeerKey(*context, *caller), context);
  if (!ticket.ok()) return ToGrpcStatus(ticket.status());
  if (guards_.counters != nullptr) guards_.counters->PushStreamOpened();
  struct CloseCount {
    IngestCounters* counters;
    ~CloseCount() {
      if (counters != nullptr) counters->PushStreamClosed();
    }
  } close_count{guards_.counters};
  KnownRuns known_runs;
  std::string stream_run_id;  // A request without run_id continues the previous one's run.
  v1::PushRequest request;
  while (stream->Read(&request)) {
    (*ticket)->Touch();
    if (request.run_id().empty() && stream_run_id.empty()) {
      return ToGrpcStatus(absl::InvalidArgumentError(
          absl::StrCat("push (sequence ", request.sequence(),
                       "): run_id: missing on the first request of the stream")));
    }
    if (request.run_id().empty()) {
      request.set_run_id(stream_run_id);
    } else {
      stream_run_id = request.run_id();
    }
    absl::StatusOr<v1::PushAck> ack = Ingest(&request, &known_runs);
    if (!ack.ok() && guards_.counters != nullptr) {
      // Frames of a zstd batch are not known without decompressing it: counted as 0.
      const uint64_t frames = request.has_batch() ? request.batch().frames_size() : 0;
      guards_.counters->CountRefusal(ack.status().code(), frames);
    }
    if (!ack.ok()) {
      return ToGrpcStatus(
          WithContext(ack.status(), absl::StrCat("push (sequence ", request.sequence(), "): ")));
    }
    if (!stream->Write(*ack)) break;  // The client went away; what was acked is stored.
  }
  return grpc::Status::OK;
}

absl::StatusOr<uint32_t> CollectorService::RunWorldSize(const std::string& run_id,
                                                        KnownRuns* known_runs) {
  if (auto it = known_runs->find(run_id); it != known_runs->end()) return it->second;
  absl::StatusOr<RunInfo> run = store_->GetRun(run_id);
  if (absl::IsNotFound(run.status())) {
    return absl::NotFoundError(absl::StrCat("run \"", run_id, "\": unknown; call StartRun first"));
  }
  ACTISCOPE_RETURN_IF_ERROR(run.status());
  known_runs->emplace(run_id, run->world_size);
  return run->world_size;
}

absl::StatusOr<v1::PushAck> CollectorService::Ingest(v1::PushRequest* request,
                                                     KnownRuns* known_runs) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunId(request->run_id()));
  ACTISCOPE_ASSIGN_OR_RETURN(const uint32_t world_size,
                             RunWorldSize(request->run_id(), known_runs));

  IngestBudget::Reservation memory(guards_.budget);
  v1::FrameBatch decompressed;
  v1::FrameBatch* batch = &decompressed;  // Empty when the request has no payload.
  if (request->has_batch()) {
    batch = request->mutable_batch();
  } else if (request->has_zstd_batch()) {
    // The decompressed bytes and the message parsed from them.
    ACTISCOPE_ASSIGN_OR_RETURN(const uint64_t raw_bytes,
                               codec::BatchContentSize(request->zstd_batch()));
    ACTISCOPE_RETURN_IF_ERROR(
        memory.Grow(2 * std::min<uint64_t>(raw_bytes, options_.max_batch_bytes), "the batch"));
    ACTISCOPE_ASSIGN_OR_RETURN(
        decompressed, codec::DecompressBatch(request->zstd_batch(), options_.max_batch_bytes));
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckBatchSize(*batch));
  for (int i = 0; i < batch->frames_size(); ++i) {
    ACTISCOPE_RETURN_IF_ERROR(ValidateFrame(i, batch->frames(i)));
    ACTISCOPE_RETURN_IF_ERROR(CheckRank("frame", i, batch->frames(i).rank(), world_size));
  }
  for (int i = 0; i < batch->scalars_size(); ++i) {
    ACTISCOPE_RETURN_IF_ERROR(ValidateScalar(i, batch->scalars(i)));
    ACTISCOPE_RETURN_IF_ERROR(CheckRank("scalar", i, batch->scalars(i).rank(), world_size));
  }
  uint64_t counts_bytes = 0;  // The decoded counts and the store's histograms holding them.
  for (const v1::Frame& frame : batch->frames()) {
    counts_bytes += 2 * sizeof(uint64_t) * uint64_t{frame.layout().bins()} + 256;
  }
  ACTISCOPE_RETURN_IF_ERROR(
      memory.Grow(counts_bytes, absl::StrCat("the batch's ", batch->frames_size(), " histograms")));
  ACTISCOPE_ASSIGN_OR_RETURN(std::vector<std::vector<uint64_t>> counts,
                             codec::DecodeBatchCounts(*batch));

  WriteBatch write;
  write.run_id = request->run_id();
  write.dropped_frames = request->dropped_frames();
  write.rejected_frames = request->rejected_frames();
  write.histograms.reserve(batch->frames_size());
  for (int i = 0; i < batch->frames_size(); ++i) {
    write.histograms.push_back(TakeHistogram(batch->mutable_frames(i), std::move(counts[i])));
  }
  write.scalars.reserve(batch->scalars_size());
  for (int i = 0; i < batch->scalars_size(); ++i) {
    write.scalars.push_back(TakeScalar(batch->mutable_scalars(i)));
  }
  ACTISCOPE_ASSIGN_OR_RETURN(WriteResult result, store_->Write(write));
  v1::PushAck ack;
  ack.set_sequence(request->sequence());
  ack.set_frames_stored(result.histograms_stored);
  ack.set_frames_ignored(result.histograms_ignored);
  ack.set_frames_conflicting(result.histograms_conflicting);
  UpdateAlerts(write, &ack);
  notifier_->Notify(write.run_id);
  return ack;
}

void CollectorService::UpdateAlerts(const WriteBatch& write, v1::PushAck* ack) {
  std::vector<Alert> changed = alerts_.Observe(write.run_id, write.histograms);
  if (changed.empty()) return;
  const std::vector<Alert> began = began_alerts_.Select(changed);
  for (size_t i = 0; i < began.size(); ++i) {
    if (i < kMaxAlertsPerAck) {
      ToAlertNotice(began[i], ack->add_alerts());
    } else {
      ack->set_alerts_omitted(ack->alerts_omitted() + 1);
    }
  }
  // The frames are committed and acked regardless: failing the Push would make the client
  // re-send frames the detectors have already seen. The alerts are reported again at their
  // next refresh (SeriesDetector::kRefreshFrames) or change.
  if (absl::Status s = store_->UpsertAlerts(changed); !s.ok()) {
    std::fprintf(stderr, "actiscope-server: storing %zu alerts of run %s failed: %s\n",
                 changed.size(), write.run_id.c_str(), std::string(s.message()).c_str());
  }
}

absl::Status CollectorService::CheckBatchSize(const v1::FrameBatch& batch) const {
  if (static_cast<uint64_t>(batch.frames_size()) > options_.max_frames_per_request) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the batch holds ", batch.frames_size(), " frames, over the limit of ",
                     options_.max_frames_per_request,
                     " per request (--max_frames_per_request); send smaller batches"));
  }
  if (static_cast<uint64_t>(batch.scalars_size()) > options_.max_scalars_per_request) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the batch holds ", batch.scalars_size(), " scalars, over the limit of ",
                     options_.max_scalars_per_request,
                     " per request (--max_scalars_per_request); send smaller batches"));
  }
  return absl::OkStatus();
}

grpc::Status CollectorService::FinishRun(grpc::ServerContext* context,
                                         const v1::FinishRunRequest* request,
                                         v1::FinishRunResponse* response) {
  if (auto caller = guards_.authorizer->Authorize(*context, Role::kIngest, "FinishRun");
      !caller.ok()) {
    return ToGrpcStatus(caller.status());
  }
  if (absl::Status s = ValidateFinishRun(*request); !s.ok()) {
    return ToGrpcStatus(WithContext(s, "FinishRun: "));
  }
  absl::Status s =
      store_->FinishRun(request->run_id(), FromProto(request->status()), request->message());
  if (!s.ok()) return ToGrpcStatus(s);
  alerts_.ForgetRun(request->run_id());
  began_alerts_.ForgetRun(request->run_id());
  notifier_->Notify(request->run_id());
  return grpc::Status::OK;
}

}  // namespace actiscope::server
