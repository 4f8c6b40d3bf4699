// Checks of incoming requests at the gRPC service edge, before anything reaches the store.
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
#include "absl/strings/string_view.h"
#include "actiscope/v1/collector.pb.h"
#include "actiscope/v1/histogram.pb.h"
#include "actiscope/v1/query.pb.h"

namespace actiscope::server {

inline constexpr size_t kMaxRunIdBytes = 64;
inline constexpr size_t kMaxNameBytes = 256;  // Layer, scalar and run names; host, device.
inline constexpr size_t kMaxConfigEntries = 256;
inline constexpr size_t kMaxConfigValueBytes = 4096;
inline constexpr size_t kMaxStatusMessageBytes = 4096;
inline constexpr uint32_t kMaxHeatmapColumns = 10000;
inline constexpr uint32_t kMaxScalarPoints = 1000000;

// 1-64 characters of [A-Za-z0-9._-].
[[nodiscard]] absl::Status ValidateRunId(absl::string_view run_id);

// The run id, name/host/device lengths, config size, resume_from_step >= 0.
[[nodiscard]] absl::Status ValidateRunSpec(const v1::RunSpec& spec);

// The run id, a status of FINISHED or FAILED, the message length.
[[nodiscard]] absl::Status ValidateFinishRun(const v1::FinishRunRequest& request);

// Frame number `index` of its batch: layer 1-256 bytes, a known kind, step >= 0.
[[nodiscard]] absl::Status ValidateFrame(int index, const v1::Frame& frame);

// Scalar number `index` of its batch: name 1-256 bytes, step >= 0. Any value, NaN included
// (a diverged loss is worth recording).
[[nodiscard]] absl::Status ValidateScalar(int index, const v1::Scalar& scalar);

// The run id, a non-empty layer, a known or unspecified kind, from_step >= 0 and not after a
// set to_step, max_columns <= kMaxHeatmapColumns.
[[nodiscard]] absl::Status ValidateHeatmapRequest(const v1::GetHeatmapRequest& request);

// The run id, from_step >= 0 and not after a set to_step, max_points <= kMaxScalarPoints.
[[nodiscard]] absl::Status ValidateScalarsRequest(const v1::GetScalarsRequest& request);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_REQUEST_VALIDATION_H_
