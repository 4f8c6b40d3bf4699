// Turns the reporter's RunOptions into the wire's v1::RunSpec: validates the run id (or
// generates a random one), fills in the host and the start time.
// Thread-safety: pure functions (GenerateRunId reads std::random_device).
#ifndef ACTISCOPE_CLIENT_RUN_SPEC_H_
#define ACTISCOPE_CLIENT_RUN_SPEC_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/collector.pb.h"

namespace actiscope::client {

// OK for 1-64 chars of [A-Za-z0-9._-]; INVALID_ARGUMENT naming the id otherwise.
[[nodiscard]] absl::Status ValidateRunId(const std::string& run_id);

// "<yyyymmdd-hhmmss>-<12 random hex digits>", unique with overwhelming probability.
std::string GenerateRunId(absl::Time now);

// INVALID_ARGUMENT when the run id is invalid, world_size is 0 or rank >= world_size.
absl::StatusOr<v1::RunSpec> MakeRunSpec(const RunOptions& run, absl::Time now);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_RUN_SPEC_H_
