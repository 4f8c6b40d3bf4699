// Read-side queries over runs, layers and scalars (heatmaps: server/store/heatmap_query.h), and
// the encoding of a run's row. SqliteStore calls them on a query connection from its pool, with
// queries that passed server/store/query_validation.h (they are not checked again).
//
// Thread-safety: functions use only the connection passed in, which the caller owns.
#ifndef ACTISCOPE_SERVER_STORE_STORE_QUERIES_H_
#define ACTISCOPE_SERVER_STORE_STORE_QUERIES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// runs.config: varint-length-prefixed key, value pairs, sorted by key.
std::string EncodeConfig(const std::map<std::string, std::string>& config);

absl::Status RunNotFound(absl::string_view run_id);

// The run's run_key; NOT_FOUND for an unknown run.
absl::StatusOr<int64_t> RunKey(Connection* conn, absl::string_view run_id);

// Runs whose name contains query.name_contains, newest start first, at most query.limit.
// A live run without data for `stall_after` reads as stalled.
absl::StatusOr<std::vector<RunInfo>> QueryRuns(Connection* conn, const RunListQuery& query,
                                               absl::Duration stall_after);
absl::StatusOr<RunInfo> QueryRun(Connection* conn, absl::string_view run_id,
                                 absl::Duration stall_after);
// Layers in first-reported order, each with its kinds and ranks ascending.
absl::StatusOr<std::vector<LayerInfo>> QueryLayers(Connection* conn, absl::string_view run_id);
absl::StatusOr<std::vector<std::string>> QueryScalarNames(Connection* conn,
                                                          absl::string_view run_id);
// Each name's values averaged over ranks per step; a series of n > query.max_points such points
// is downsampled to ceil(n / ceil(n / max_points)) points, each the mean of a run of
// ceil(n / max_points) consecutive points (the last run may be shorter), reported at the run's
// first step. Downsampling happens in SQL: memory holds only the points returned. NOT_FOUND for
// an unknown run.
absl::StatusOr<std::vector<ScalarSeries>> QueryScalars(Connection* conn, const ScalarQuery& query);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_STORE_QUERIES_H_
