// Turns the reporter's RunOptions into the wire's v1::RunSpec: validates the run id (or
// generates a random one), fills in the host and the start time, and for a resume its
// resume_id, rank and scope.
// Thread-safety: pure functions (GenerateRunId and GenerateResumeId read std::random_device).
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

// 32 random hex digits (128 bits of std::random_device): a resume_id.
std::string GenerateResumeId();

// INVALID_ARGUMENT when the run id is invalid, world_size is 0 or rank >= world_size. With
// run.resume_from_step set: resumed, resume_from_step, a new GenerateResumeId(), resume_rank =
// run.rank and resume_whole_run; call it once per resume and send that spec everywhere.
absl::StatusOr<v1::RunSpec> MakeRunSpec(const RunOptions& run, absl::Time now);

// A spec spooled by an earlier version may be a resume without a resume_id, which collectors
// now refuse. Gives it one derived from the run id, start time, host and step (the same for
// every segment of that process, so the resume still applies once) and the whole-run scope
// that version's resumes had. Leaves any other spec unchanged.
void UpgradeLegacyResume(v1::RunSpec* spec);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_RUN_SPEC_H_
