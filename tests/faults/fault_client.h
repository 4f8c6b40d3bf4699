// The fault client's work: report one rank of a run with the real client core, exactly as the
// Reporter builds it (client/reporter.cc: a CollectorSession unless offline, a Spool in
// spool_dir, a Sender with the RunSpec of MakeRunSpec), from FaultFrames instead of tensors,
// then drain and account for every frame (client_counts.h).
//
// SIGTERM ends production early and then draining; the caller must block SIGTERM in every
// thread before calling (actiscope-fault-client does so first thing), so that only this code
// sees it. `stop_file` ends production early too, once it exists.
//
// Thread-safety: one call at a time per process (it owns SIGTERM).
#ifndef ACTISCOPE_TESTS_FAULTS_FAULT_CLIENT_H_
#define ACTISCOPE_TESTS_FAULTS_FAULT_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/faults/client_counts.h"
#include "tests/faults/fault_frames.h"

namespace actiscope::faults {

struct FaultClientOptions {
  std::string server;  // The collector's gRPC address (unused when offline).
  std::string run_id;
  FaultFramesOptions frames;  // seed, layers, bins, rank.
  uint32_t world_size = 1;
  int64_t first_step = 0;
  int64_t steps = 100;
  int steps_per_request = 4;
  std::string spool_dir;  // Empty: no spool.
  bool offline = false;   // Never connect: everything goes to the spool.
  // A resume (RunSpec.resumed) from this step, with a random resume_id unless resume_id is set.
  std::optional<int64_t> resume_from_step;
  std::string resume_id;
  size_t outbox_bytes = size_t{32} << 20;  // The Sender's in-memory bound; beyond it, the spool.
  absl::Duration pace = absl::ZeroDuration();  // Wait per step produced.
  std::string stop_file;                       // Production stops once this file exists.
  absl::Duration drain_timeout = absl::Seconds(60);
  // After draining, print the "done" line and wait for SIGTERM (or death) before stopping the
  // sender: a process killed holding its spool.
  bool hold = false;
};

// Produces, submits and drains; prints the "produced" and "done" lines to `out` (flushed).
// Returns the "done" counts. INVALID_ARGUMENT or the client core's error when it cannot start.
absl::StatusOr<ClientCounts> RunFaultClient(const FaultClientOptions& options, std::FILE* out);

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_FAULT_CLIENT_H_
