// Checks of the plain queries (server/store/store_types.h) against the configured QueryLimits
// and the limits each query declares. Both edges parse a request into a query (gRPC:
// server/grpc/request_validation.h; HTTP: server/http/query_params.h), giving a count the
// request leaves out its Default*, and call the matching Validate* once, with the limits their
// SqliteStore was opened with (SqliteStore::query_limits()); the store's read functions assume
// a query that passed it and do not check it again. The one check that needs stored data, the
// heatmap cell cap, runs inside the store before any histogram is read.
//
// Each Validate* returns OK or INVALID_ARGUMENT with what failed and the offending value; a
// configurable limit is named by its actiscope-server flag and value, e.g.
// `heatmap: columns must be in [1, --max_heatmap_columns=10000], got 10001`.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_
#define ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// The count a request that leaves it out (0) gets: the query's kDefault*, at most the
// configured maximum.
uint32_t DefaultRunLimit(const QueryLimits& limits);
uint32_t DefaultHeatmapColumns(const QueryLimits& limits);
uint32_t DefaultScalarPoints(const QueryLimits& limits);

// limit in 1..limits.max_runs_listed.
[[nodiscard]] absl::Status ValidateRunListQuery(const RunListQuery& query,
                                                const QueryLimits& limits);

// A non-empty layer, from_step >= 0 and not after a non-negative to_step, max_columns in
// 1..limits.max_heatmap_columns.
[[nodiscard]] absl::Status ValidateHeatmapQuery(const HeatmapQuery& query,
                                                const QueryLimits& limits);

// At most limits.max_heatmap_cells cells in `columns` planned columns of `bins` (>= 1) bins.
// The message names both numbers and the most columns that would fit.
[[nodiscard]] absl::Status ValidateHeatmapCells(const HeatmapQuery& query, int64_t columns,
                                                uint32_t bins, const QueryLimits& limits);

// At most ScalarQuery::kMaxNames names, from_step >= 0 and not after a non-negative to_step,
// max_points in 1..limits.max_scalar_points.
[[nodiscard]] absl::Status ValidateScalarQuery(const ScalarQuery& query, const QueryLimits& limits);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_
