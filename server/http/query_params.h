// The HTTP API's query parameters, parsed into the store's plain queries
// (server/store/store_types.h) with the meanings the gRPC contract gives the same fields
// (proto/actiscope/v1/query.proto, parsed in server/grpc/request_validation.h), then checked
// against `limits` (the store's, SqliteStore::query_limits()) by the query's one Validate*
// function (server/store/query_validation.h):
//  - `limit`, `columns` or `points` absent or 0: the query's Default* (clamped to `limits`);
//  - `to` absent (or negative): the last stored step; 0 is step 0;
//  - `kind` absent: activation; `rank` absent or "merged": all ranks summed.
// Each returns the query, or INVALID_ARGUMENT naming the parameter that is not a number (or not
// a kind), or what Validate* refuses.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_HTTP_QUERY_PARAMS_H_
#define ACTISCOPE_SERVER_HTTP_QUERY_PARAMS_H_

#include <string>

#include "absl/status/statusor.h"
#include "server/http/http_request.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// /api/runs?name=&limit=
absl::StatusOr<RunListQuery> ParseRunListParams(const ParsedTarget& request,
                                                const QueryLimits& limits);
// /api/runs/{run_id}/heatmap?layer=&kind=&from=&to=&columns=&rank=
absl::StatusOr<HeatmapQuery> ParseHeatmapParams(const std::string& run_id,
                                                const ParsedTarget& request,
                                                const QueryLimits& limits);
// /api/runs/{run_id}/scalars?names=a,b&from=&to=&points=
absl::StatusOr<ScalarQuery> ParseScalarParams(const std::string& run_id,
                                              const ParsedTarget& request,
                                              const QueryLimits& limits);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_QUERY_PARAMS_H_
