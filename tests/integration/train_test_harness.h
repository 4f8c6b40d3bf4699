// Test support for the trainer's end-to-end tests: run actiscope-train as a child process
// against a real actiscope-server, then read what the server stored through the Query service
// and reduce heatmap columns to the numbers the seed experiment talks about.
//
// Thread-safety: free functions without shared state.
#ifndef ACTISCOPE_TESTS_INTEGRATION_TRAIN_TEST_HARNESS_H_
#define ACTISCOPE_TESTS_INTEGRATION_TRAIN_TEST_HARNESS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actiscope/v1/query.grpc.pb.h"

namespace actiscope::trainer {

// What actiscope-train printed at its end.
struct TrainerOutput {
  std::string run_id;
  double test_error_rate = -1;
  std::string parameter_checksum;  // As printed (%.17g), for exact comparison across ranks.
  std::string out;                 // Whole stdout and stderr, for failure messages.
  std::string err;
};

// Parses the final lines of actiscope-train's stdout. FAILED_PRECONDITION when they are missing.
absl::StatusOr<TrainerOutput> ParseTrainerOutput(const std::string& out, const std::string& err);

// Every stored column of (run, layer, kind), one per step (max_columns is large enough);
// `rank` unset merges ranks.
absl::StatusOr<v1::Heatmap> FetchHeatmap(const std::string& grpc_address, const std::string& run_id,
                                         const std::string& layer, v1::Kind kind,
                                         std::optional<uint32_t> rank = std::nullopt);

absl::StatusOr<v1::RunDetail> FetchRun(const std::string& grpc_address, const std::string& run_id);

// The run's stored alerts (Query.ListAlerts), ordered by first step.
absl::StatusOr<std::vector<v1::Alert>> FetchAlerts(const std::string& grpc_address,
                                                   const std::string& run_id);

// The share of a column's elements that fell in its lowest bin (0 when it has none).
double LowestBinShare(const v1::HeatmapColumn& column);

// The mean lowest-bin share of columns [from, to) (clamped to the heatmap).
double MeanLowestBinShare(const v1::Heatmap& heatmap, int from, int to);

// L1 distance between two columns' normalized distributions over below, the bins and above
// (0: identical, 2: disjoint).
double L1Distance(const v1::HeatmapColumn& a, const v1::HeatmapColumn& b);

// How far a layer's distribution moved over training: the L1 distance between the summed first
// `window` columns and the summed last `window` columns (summing damps batch-to-batch noise).
double StartToEndDistance(const v1::Heatmap& heatmap, int window);

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TESTS_INTEGRATION_TRAIN_TEST_HARNESS_H_
