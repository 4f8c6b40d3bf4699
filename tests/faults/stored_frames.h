// The fault suite's oracle: what the server stored for one client's rank, read back one
// column per step (GetHeatmap with has_rank and max_columns = the steps), compared byte for
// byte with the frames the client produced (FaultFrames); and the tally of a fault case that
// becomes its FAULT-TABLE row.
//
// A frame counts as stored when its step's column holds exactly one histogram whose counts
// and statistics equal what FaultFrames recomputes. A column of more than one histogram is a
// duplicate; one that differs is mismatched; a step of the range without a column is missing.
//
// Thread-safety: functions are reentrant; a FaultTally is used by one thread.
#ifndef ACTISCOPE_TESTS_FAULTS_STORED_FRAMES_H_
#define ACTISCOPE_TESTS_FAULTS_STORED_FRAMES_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "actiscope/v1/query.pb.h"
#include "tests/faults/fault_frames.h"

namespace actiscope::faults {

// The steps [first_step, first_step + steps) of one rank, every layer, as FaultFrames makes them.
struct ExpectedFrames {
  std::string run_id;
  FaultFramesOptions frames;
  int64_t first_step = 0;
  int64_t steps = 0;

  uint64_t count() const { return static_cast<uint64_t>(steps) * frames.layers; }
};

// What the server holds of ExpectedFrames, in frames (steps x layers).
struct StoredCheck {
  uint64_t expected = 0;
  uint64_t stored = 0;      // Exactly once, byte for byte.
  uint64_t missing = 0;     // No histogram for the step.
  uint64_t mismatched = 0;  // One histogram, but not the one produced.
  uint64_t duplicates = 0;  // Steps whose column holds more than one histogram.
  // Steps of the rank stored outside [first_step, first_step + steps) (up to the run's last
  // step), e.g. a step no client produced.
  uint64_t outside = 0;

  uint64_t lost() const { return missing + mismatched; }
};

// Reads the rank's histograms from the server at `grpc_address`, in chunks of at most 1000
// steps per GetHeatmap. The error of a failed query (a layer or rank the run lacks counts
// as missing, not as an error).
absl::StatusOr<StoredCheck> CheckStored(const std::string& grpc_address,
                                        const ExpectedFrames& expected);

// GetRun's summary of `run_id`.
absl::StatusOr<v1::RunSummary> GetRunSummary(const std::string& grpc_address,
                                             const std::string& run_id);
// GetRun's whole answer: the summary, layers, kinds and ranks.
absl::StatusOr<v1::RunDetail> GetRunDetail(const std::string& grpc_address,
                                           const std::string& run_id);

// The columns of one rank's (layer, kind) series over steps [from, to], one per step that holds
// a histogram, by step. NOT_FOUND when the run lacks the series; INTERNAL when the server
// merged steps into one column.
absl::StatusOr<std::map<int64_t, v1::HeatmapColumn>> ReadStepColumns(
    const std::string& grpc_address, const std::string& run_id, const std::string& layer,
    v1::Kind kind, uint32_t rank, int64_t from, int64_t to);

// The columns of one fault case's FAULT-TABLE row.
struct FaultTally {
  int runs = 0;
  uint64_t acked = 0;  // Frames the clients counted as acknowledged.
  uint64_t lost = 0;   // Acknowledged, but not stored as produced.
  uint64_t duplicates = 0;
  uint64_t conflicts = 0;  // RunSummary.conflicting_frames of the case's runs.

  // Adds a client's check. `not_acked`: frames of check's range the client did not count as
  // acknowledged (rejected, dropped, unacked); that many frames missing are not lost.
  void Add(const StoredCheck& check, uint64_t not_acked = 0) {
    lost += check.lost() > not_acked ? check.lost() - not_acked : 0;
    duplicates += check.duplicates;
  }
  // Prints "FAULT-TABLE | case | runs | frames acked | lost | duplicates | conflicts" to stdout.
  void Print(const std::string& fault_case) const;
};

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_STORED_FRAMES_H_
