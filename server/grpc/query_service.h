// QueryService: the read side of the gRPC contract (actiscope.v1.Query), used by the
// `actiscope` CLI. It parses and validates each request once into the store's plain query
// (server/grpc/request_validation.h: the contract's defaults and step rule, the store's
// QueryLimits), reads through the SqliteStore and converts the answer
// (server/grpc/proto_convert.h).
//
// Every call is first authorized (server/grpc/call_auth.h: role read); a WatchRun stream is
// then admitted (server/grpc/stream_admission.h, counted apart from Push streams).
//
// WatchRun holds one handler thread per watcher. It waits on the RunNotifier in slices of
// `watch_cancel_check` so that a cancelled client or a server shutdown (RunNotifier::Shutdown)
// ends the stream within that time.
//
// Thread-safety: the handlers are safe to call concurrently.
#ifndef ACTISCOPE_SERVER_GRPC_QUERY_SERVICE_H_
#define ACTISCOPE_SERVER_GRPC_QUERY_SERVICE_H_

#include "absl/time/time.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "server/grpc/call_auth.h"
#include "server/grpc/stream_admission.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct QueryOptions {
  // How often WatchRun checks whether its client has cancelled.
  absl::Duration watch_cancel_check = absl::Seconds(1);
};

class QueryService final : public v1::Query::Service {
 public:
  // `authorizer`, `watch_streams`, `store` and `notifier` must outlive the service.
  QueryService(QueryOptions options, const CallAuthorizer* authorizer,
               StreamAdmission* watch_streams, SqliteStore* store, RunNotifier* notifier);

  grpc::Status ListRuns(grpc::ServerContext* context, const v1::ListRunsRequest* request,
                        v1::ListRunsResponse* response) override;
  grpc::Status GetRun(grpc::ServerContext* context, const v1::GetRunRequest* request,
                      v1::RunDetail* response) override;
  grpc::Status GetHeatmap(grpc::ServerContext* context, const v1::GetHeatmapRequest* request,
                          v1::Heatmap* response) override;
  grpc::Status GetScalars(grpc::ServerContext* context, const v1::GetScalarsRequest* request,
                          v1::GetScalarsResponse* response) override;
  grpc::Status ListAlerts(grpc::ServerContext* context, const v1::ListAlertsRequest* request,
                          v1::ListAlertsResponse* response) override;
  // First message: the run as it is now. Then one message per change the notifier reports,
  // until the run is finished or failed, the client cancels, or the server shuts down.
  grpc::Status WatchRun(grpc::ServerContext* context, const v1::WatchRunRequest* request,
                        grpc::ServerWriter<v1::RunUpdate>* writer) override;

 private:
  const QueryOptions options_;
  const CallAuthorizer* const authorizer_;
  StreamAdmission* const watch_streams_;
  SqliteStore* const store_;
  RunNotifier* const notifier_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_QUERY_SERVICE_H_
