// Checks of the plain queries (server/store/store_types.h) against the limits each declares.
// Both edges parse a request into a query (gRPC: server/grpc/request_validation.h; HTTP:
// server/http/query_params.h) and call the matching Validate* once; SqliteStore's read
// functions assume a query that passed it and do not check it again. The one check that needs
// stored data, the heatmap cell cap, runs inside the store before any histogram is read.
//
// Each returns OK or INVALID_ARGUMENT with what failed and the offending value, e.g.
// `heatmap: the from step 5 is after the to step 2`.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_
#define ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_

#include <cstdint>

#include "absl/status/status.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// limit in 1..RunListQuery::kMaxLimit.
[[nodiscard]] absl::Status ValidateRunListQuery(const RunListQuery& query);

// A non-empty layer, from_step >= 0 and not after a non-negative to_step, max_columns in
// 1..HeatmapQuery::kMaxColumns.
[[nodiscard]] absl::Status ValidateHeatmapQuery(const HeatmapQuery& query);

// At most HeatmapQuery::kMaxCells cells in `columns` planned columns of `bins` bins. The
// message names both numbers and the most columns that would fit.
[[nodiscard]] absl::Status ValidateHeatmapCells(const HeatmapQuery& query, int64_t columns,
                                                uint32_t bins);

// At most ScalarQuery::kMaxNames names, from_step >= 0 and not after a non-negative to_step,
// max_points in 1..ScalarQuery::kMaxPoints.
[[nodiscard]] absl::Status ValidateScalarQuery(const ScalarQuery& query);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_QUERY_VALIDATION_H_
