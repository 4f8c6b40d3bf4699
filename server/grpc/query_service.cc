#include "server/grpc/query_service.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "server/grpc/proto_convert.h"
#include "server/grpc/request_validation.h"

namespace actiscope::server {

QueryService::QueryService(QueryOptions options, const CallAuthorizer* authorizer,
                           StreamAdmission* watch_streams, SqliteStore* store,
                           RunNotifier* notifier)
    : options_(options),
      authorizer_(authorizer),
      watch_streams_(watch_streams),
      store_(store),
      notifier_(notifier) {}

grpc::Status QueryService::ListRuns(grpc::ServerContext* context,
                                    const v1::ListRunsRequest* request,
                                    v1::ListRunsResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "ListRuns");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<RunListQuery> query = ParseListRunsRequest(*request, store_->query_limits());
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<std::vector<RunInfo>> runs = store_->ListRuns(*query);
  if (!runs.ok()) return ToGrpcStatus(runs.status());
  for (const RunInfo& run : *runs) ToRunSummary(run, response->add_runs());
  return grpc::Status::OK;
}

grpc::Status QueryService::GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request,
                                  v1::RunDetail* response) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "GetRun");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidateRunId(request->run_id()); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<RunInfo> run = store_->GetRun(request->run_id());
  if (!run.ok()) return ToGrpcStatus(run.status());
  absl::StatusOr<std::vector<LayerInfo>> layers = store_->ListLayers(request->run_id());
  if (!layers.ok()) return ToGrpcStatus(layers.status());
  absl::StatusOr<std::vector<std::string>> scalars = store_->ListScalarNames(request->run_id());
  if (!scalars.ok()) return ToGrpcStatus(scalars.status());
  ToRunSummary(*run, response->mutable_run());
  for (const LayerInfo& layer : *layers) ToLayerInfo(layer, response->add_layers());
  response->mutable_scalar_names()->Add(scalars->begin(), scalars->end());
  return grpc::Status::OK;
}

grpc::Status QueryService::GetHeatmap(grpc::ServerContext* context,
                                      const v1::GetHeatmapRequest* request, v1::Heatmap* response) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "GetHeatmap");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<HeatmapQuery> query = ParseHeatmapRequest(*request, store_->query_limits());
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<Heatmap> heatmap = store_->ReadHeatmap(*query);
  if (!heatmap.ok()) return ToGrpcStatus(heatmap.status());
  ToHeatmapProto(*query, *heatmap, response);
  return grpc::Status::OK;
}

grpc::Status QueryService::GetScalars(grpc::ServerContext* context,
                                      const v1::GetScalarsRequest* request,
                                      v1::GetScalarsResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "GetScalars");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<ScalarQuery> query = ParseScalarsRequest(*request, store_->query_limits());
  if (!query.ok()) return ToGrpcStatus(query.status());
  absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(*query);
  if (!series.ok()) return ToGrpcStatus(series.status());
  for (const ScalarSeries& s : *series) ToScalarSeriesProto(s, response->add_series());
  return grpc::Status::OK;
}

grpc::Status QueryService::ListAlerts(grpc::ServerContext* context,
                                      const v1::ListAlertsRequest* request,
                                      v1::ListAlertsResponse* response) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "ListAlerts");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  if (absl::Status s = ValidateRunId(request->run_id()); !s.ok()) return ToGrpcStatus(s);
  absl::StatusOr<std::vector<Alert>> alerts = store_->ListAlerts(request->run_id());
  if (!alerts.ok()) return ToGrpcStatus(alerts.status());
  for (const Alert& alert : *alerts) ToAlertProto(alert, response->add_alerts());
  return grpc::Status::OK;
}

grpc::Status QueryService::WatchRun(grpc::ServerContext* context,
                                    const v1::WatchRunRequest* request,
                                    grpc::ServerWriter<v1::RunUpdate>* writer) {
  absl::StatusOr<Caller> caller = authorizer_->Authorize(*context, Role::kRead, "WatchRun");
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> ticket =
      watch_streams_->Admit(authorizer_->PeerKey(*context, *caller), context);
  if (!ticket.ok()) return ToGrpcStatus(ticket.status());
  if (absl::Status s = ValidateRunId(request->run_id()); !s.ok()) return ToGrpcStatus(s);
  // Read the version before the run, so that a change between the two is not missed.
  uint64_t seen = notifier_->Version(request->run_id());
  while (true) {
    absl::StatusOr<RunInfo> run = store_->GetRun(request->run_id());
    if (!run.ok()) return ToGrpcStatus(run.status());
    v1::RunUpdate update;
    ToRunSummary(*run, update.mutable_run());
    if (!writer->Write(update)) return grpc::Status::OK;  // The client went away.
    if (run->status == RunStatus::kFinished || run->status == RunStatus::kFailed) {
      return grpc::Status::OK;
    }
    while (!notifier_->WaitForChange(request->run_id(), seen,
                                     absl::Now() + options_.watch_cancel_check, &seen)) {
      if (context->IsCancelled()) return grpc::Status::CANCELLED;
      if (notifier_->is_shut_down()) {
        return ToGrpcStatus(absl::UnavailableError("WatchRun: the server is shutting down"));
      }
    }
  }
}

}  // namespace actiscope::server
