// Plain structs that the storage layer reads and writes. Protobuf types stop at the gRPC
// service edge (server/grpc/proto_convert.h converts); storage, the HTTP API and the query logic
// work on these. No behaviour lives here.
#ifndef ACTISCOPE_SERVER_STORE_STORE_TYPES_H_
#define ACTISCOPE_SERVER_STORE_STORE_TYPES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace actiscope::server {

// Values match actiscope.v1.Kind.
enum class Kind : int { kActivation = 1, kGradient = 2, kWeight = 3 };
// Values match actiscope.v1.RunStatus.
enum class RunStatus : int { kLive = 1, kFinished = 2, kFailed = 3, kStalled = 4 };
// Values match actiscope.v1.BinScale.
enum class BinScale : int { kLinear = 1, kLogMagnitude = 2 };

struct BinLayout {
  BinScale scale = BinScale::kLinear;
  uint32_t bins = 0;
  double lo = 0;
  double hi = 0;
  bool operator==(const BinLayout& o) const {
    return scale == o.scale && bins == o.bins && lo == o.lo && hi == o.hi;
  }
};

// Everything summed over the histograms a heatmap column or a summary bucket covers.
struct HistogramSums {
  std::vector<uint64_t> counts;  // One per bin.
  uint64_t below = 0;
  uint64_t above = 0;
  uint64_t zeros = 0;
  uint64_t nonfinite = 0;
  uint64_t elements = 0;
  double sum = 0;
  double sum_squares = 0;
  float min = 0;  // Min and max over the summed histograms' finite values.
  float max = 0;
};

// One histogram as ingested: a probe (layer, kind) of one rank at one step. Counts are
// already decoded and validated against the layout and the stats.
struct Histogram {
  std::string layer;
  Kind kind = Kind::kActivation;
  int64_t step = 0;
  uint32_t rank = 0;
  BinLayout layout;
  HistogramSums values;
};

struct ScalarPoint {
  std::string name;
  int64_t step = 0;
  uint32_t rank = 0;
  double value = 0;
};

struct RunInfo {
  std::string run_id;
  std::string name;
  std::map<std::string, std::string> config;
  std::string host;
  std::string device;
  uint32_t world_size = 1;
  absl::Time start_time = absl::UnixEpoch();
  absl::Time last_update = absl::UnixEpoch();
  RunStatus status = RunStatus::kLive;
  std::string status_message;
  int64_t first_step = -1;  // -1 while nothing is stored.
  int64_t last_step = -1;
  uint64_t dropped_frames = 0;
};

// One (layer) of a run, with the kinds and ranks it has, in first-reported order.
struct LayerInfo {
  std::string name;
  std::vector<Kind> kinds;
  std::vector<uint32_t> ranks;
};

// Everything one Collector.Push request stores, atomically.
struct WriteBatch {
  std::string run_id;
  std::vector<Histogram> histograms;
  std::vector<ScalarPoint> scalars;
  uint64_t dropped_frames = 0;
};

struct WriteResult {
  uint32_t histograms_stored = 0;
  uint32_t histograms_ignored = 0;  // Already stored for that (series, step).
};

struct HeatmapQuery {
  std::string run_id;
  std::string layer;
  Kind kind = Kind::kActivation;
  int64_t from_step = 0;        // Inclusive.
  int64_t to_step = -1;         // Inclusive; negative means the last stored step.
  uint32_t max_columns = 1000;  // 1..10000.
  std::optional<uint32_t> rank;  // Unset: all ranks summed.
};

struct HeatmapColumn {
  int64_t step_from = 0;  // First and last step summed into this column.
  int64_t step_to = 0;
  uint32_t histograms = 0;
  HistogramSums sums;
};

struct Heatmap {
  BinLayout layout;
  std::vector<double> bin_edges;  // layout.bins + 1, ascending.
  std::vector<HeatmapColumn> columns;
};

struct ScalarQuery {
  std::string run_id;
  std::vector<std::string> names;  // Empty: all.
  int64_t from_step = 0;
  int64_t to_step = -1;            // Negative: to the last step.
  uint32_t max_points = 10000;     // Longer series are downsampled by mean.
};

struct ScalarSeries {
  std::string name;
  std::vector<int64_t> steps;
  std::vector<double> values;  // Mean over ranks (and steps, when downsampled).
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_STORE_TYPES_H_
