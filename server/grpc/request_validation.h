// Checks of incoming requests at the gRPC service edge, before anything reaches the store; query
// requests are also parsed here into the store's plain queries.
// Each returns OK or INVALID_ARGUMENT with a message that says what failed and the offending
// value, e.g. `frame 3 (layer "conv1", step 12): step must be >= 0, got -1`. Bin layouts and
// counts of frames are checked by codec::DecodeBatchCounts (proto/histogram_codec.h).
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_GRPC_REQUEST_VALIDATION_H_
#define ACTISCOPE_SERVER_GRPC_REQUEST_VALIDATION_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actiscope/v1/collector.pb.h"
#include "actiscope/v1/histogram.pb.h"
#include "actiscope/v1/query.pb.h"
#include "common/report_limits.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Names (layers, scalars, runs, hosts, devices, config keys) are bounded by kMaxNameBytes of
// common/report_limits.h, which the client reads too.
inline constexpr size_t kMaxRunIdBytes = 64;
inline constexpr size_t kMaxConfigEntries = 256;
inline constexpr size_t kMaxConfigValueBytes = 4096;
inline constexpr size_t kMaxStatusMessageBytes = 4096;

// 1-64 characters of [A-Za-z0-9._-].
[[nodiscard]] absl::Status ValidateRunId(absl::string_view run_id);

// The run id, name/host/device lengths, config size, resume_from_step >= 0.
[[nodiscard]] absl::Status ValidateRunSpec(const v1::RunSpec& spec);

// The run id, a status of FINISHED or FAILED, the message length.
[[nodiscard]] absl::Status ValidateFinishRun(const v1::FinishRunRequest& request);

// Frame number `index` of its batch: layer 1 to kMaxNameBytes bytes, a known kind, step >= 0.
// With codec::DecodeBatchCounts, the only check of a frame on the ingest path (the store relies
// on it, server/store/ingest_writer.h).
[[nodiscard]] absl::Status ValidateFrame(int index, const v1::Frame& frame);

// Scalar number `index` of its batch: name 1 to kMaxNameBytes bytes, step >= 0. Any value, NaN
// included (a diverged loss is worth recording). The only check of a scalar on the ingest path.
[[nodiscard]] absl::Status ValidateScalar(int index, const v1::Scalar& scalar);

// Query requests, parsed into the store's queries (server/store/store_types.h) with the meanings
// query.proto gives them, the HTTP API's too (server/http/query_params.h), then checked against
// `limits` (the store's, SqliteStore::query_limits()) by the query's one Validate* function
// (server/store/query_validation.h):
//  - a zero limit, max_columns or max_points is the query's Default* (clamped to `limits`);
//  - to_step absent (or negative) is the last stored step; 0 is step 0;
//  - kind unspecified is activation; has_rank false merges all ranks.
// INVALID_ARGUMENT for a bad run id, an unknown kind, or what Validate* refuses.
[[nodiscard]] absl::StatusOr<RunListQuery> ParseListRunsRequest(const v1::ListRunsRequest& request,
                                                                const QueryLimits& limits);
[[nodiscard]] absl::StatusOr<HeatmapQuery> ParseHeatmapRequest(const v1::GetHeatmapRequest& request,
                                                               const QueryLimits& limits);
[[nodiscard]] absl::StatusOr<ScalarQuery> ParseScalarsRequest(const v1::GetScalarsRequest& request,
                                                              const QueryLimits& limits);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_REQUEST_VALIDATION_H_
