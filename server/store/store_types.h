// Plain structs that the storage layer reads and writes. Protobuf types stop at the gRPC
// service edge (server/grpc/proto_convert.h converts, with proto/layout_convert.h for the bin
// layout); storage, the HTTP API and the query logic work on these and on actiscope::BinLayout
// (common/bin_layout.h), the one bin layout type of every stage. No behaviour lives here.
#ifndef ACTISCOPE_SERVER_STORE_STORE_TYPES_H_
#define ACTISCOPE_SERVER_STORE_STORE_TYPES_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/bin_layout.h"
#include "common/report_limits.h"

namespace actiscope::server {

// Values match actiscope.v1.Kind.
enum class Kind : int { kActivation = 1, kGradient = 2, kWeight = 3 };
// Values match actiscope.v1.RunStatus.
enum class RunStatus : int { kLive = 1, kFinished = 2, kFailed = 3, kStalled = 4 };

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

// One histogram as ingested: a probe (layer, kind) of one rank at one step. The gRPC edge has
// validated it: a layer of 1 to kMaxNameBytes bytes (common/report_limits.h), a known kind,
// step >= 0, a valid layout, and counts decoded and checked against the layout and the stats.
struct Histogram {
  std::string layer;
  Kind kind = Kind::kActivation;
  int64_t step = 0;
  uint32_t rank = 0;
  BinLayout layout;
  HistogramSums values;
};

// Validated by the gRPC edge like a Histogram: a name of 1 to kMaxNameBytes bytes, step >= 0.
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
  // Frames summed over the run's committed writes: dropped by clients (WriteBatch::
  // dropped_frames), refused as conflicts (WriteResult::histograms_conflicting), and given up
  // on by clients after a permanent refusal (WriteBatch::rejected_frames).
  uint64_t dropped_frames = 0;
  uint64_t conflicting_frames = 0;
  uint64_t rejected_frames = 0;
  // Alerts stored for the run (server/alerts/), held or cleared.
  uint64_t alert_count = 0;
};

// What an alert says is wrong with a series (server/alerts/alert_rules.h has each rule). Values
// match actiscope.v1.AlertType and the `type` column of the store's alerts table.
enum class AlertType : int {
  kCollapse = 1,
  kDead = 2,
  kFrozen = 3,
  kExploding = 4,
  kSaturated = 5,
  kNonfinite = 6,
  kVanishingGradient = 7,
  kExplodingGradient = 8,
};
// Values match actiscope.v1.AlertSeverity.
enum class AlertSeverity : int { kInfo = 1, kWarning = 2, kCritical = 3 };

// One alert of a series (run, rank, kind, layer): at most one per type, which the detectors
// update as it holds and clears (server/alerts/alert_engine.h) and the store upserts.
struct Alert {
  std::string run_id;
  uint32_t rank = 0;
  Kind kind = Kind::kActivation;
  std::string layer;
  AlertType type = AlertType::kCollapse;
  AlertSeverity severity = AlertSeverity::kWarning;
  int64_t first_step = 0;  // The step at which the condition began.
  int64_t last_step = 0;   // The last step it held (or, once cleared, the step it cleared at).
  bool cleared = false;
  // The rule's measure (alert_rules.h) at the last frame the condition held.
  double value = 0;
  double threshold = 0;  // The rule's threshold on that quantity.
  std::string message;   // One sentence: what the picture shows, usual cause, what to try.
};

// One (layer) of a run, with the kinds and ranks it has, in first-reported order.
struct LayerInfo {
  std::string name;
  std::vector<Kind> kinds;
  std::vector<uint32_t> ranks;
};

// Everything one Collector.Push request stores, atomically. Histograms may come in any step
// order; per series (run, layer, kind, rank) and step, the first histogram that arrives is
// stored and later ones are ignored (identical) or conflicting (different): see WriteResult.
struct WriteBatch {
  std::string run_id;
  std::vector<Histogram> histograms;
  std::vector<ScalarPoint> scalars;
  // Client-reported counts since its previous report, added to the run's RunInfo counters of
  // the same names: frames dropped because the client's bounds were full, and frames it gave up
  // on after a permanent refusal (PushRequest.rejected_frames).
  uint64_t dropped_frames = 0;
  uint64_t rejected_frames = 0;
};

// What happened to each histogram of a batch; the three add up to histograms.size().
struct WriteResult {
  // Stored now: their (series, step) had nothing stored, whether above the series' last step
  // or below it (a late frame).
  uint32_t histograms_stored = 0;
  // Equal to the histogram stored for their (series, step), earlier or by the same batch: a
  // re-send. Equal compares the counts and every statistic as a segment stores them
  // (SameAsStored, series_block.h).
  uint32_t histograms_ignored = 0;
  // Different from the histogram stored for their (series, step): not stored, and added to the
  // run's RunInfo::conflicting_frames.
  uint32_t histograms_conflicting = 0;
};

// How much one query may ask for: actiscope-server sets each member from the flag of the same
// name (--max_runs_listed, ...; server/server_main.cc), and these initializers are the
// defaults, declared only here. The store holds them (StoreOptions::query_limits, read back by
// SqliteStore::query_limits()) and checks the heatmap cell cap; both edges check each query
// against them (server/store/query_validation.h); GET /api/limits reports them, and the web
// page sizes its heatmap and scalar requests by them. Every refusal names the flag and its
// value. Each must be at least 1 (SqliteStore::Open refuses 0).
struct QueryLimits {
  // Runs one ListRuns or /api/runs answer may list.
  uint32_t max_runs_listed = 1000;
  // Columns one heatmap may ask for.
  uint32_t max_heatmap_columns = 10000;
  // Cells (planned columns x the layer's bins) one heatmap may hold: at 2,000,000 about 12 MB
  // of JSON or 10 MB of protobuf. Checked before any histogram is read (heatmap_query.h).
  uint64_t max_heatmap_cells = 2'000'000;
  // Points per scalar series one query may ask for; longer series are downsampled by mean.
  uint32_t max_scalar_points = 10000;
};

// Each query struct below declares its default counts, used when a request leaves a count out
// (0) and clamped to the configured maximum (query_validation.h: Default*), and the one limit
// that is not configurable, ScalarQuery::kMaxNames.
//
// Steps in every query: from_step >= 0 (inclusive); to_step inclusive, negative meaning the
// last stored step, so 0 is step 0.

struct RunListQuery {
  static constexpr uint32_t kDefaultLimit = 200;

  std::string name_contains;       // Empty: all runs.
  uint32_t limit = kDefaultLimit;  // 1..QueryLimits::max_runs_listed runs, newest start first.
};

struct HeatmapQuery {
  static constexpr uint32_t kDefaultColumns = 1000;

  std::string run_id;
  std::string layer;
  Kind kind = Kind::kActivation;
  int64_t from_step = 0;
  int64_t to_step = -1;
  uint32_t max_columns = kDefaultColumns;  // 1..QueryLimits::max_heatmap_columns.
  std::optional<uint32_t> rank;            // Unset: all ranks summed.
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
  // One point per column of the widest heatmap the default limits allow.
  static constexpr uint32_t kDefaultPoints = 10000;
  static constexpr size_t kMaxNames = 64;  // Names one query may ask for.

  std::string run_id;
  std::vector<std::string> names;  // Empty: all (the kMaxNames bound is on asked names only).
  int64_t from_step = 0;
  int64_t to_step = -1;
  // 1..QueryLimits::max_scalar_points; longer series are downsampled by mean.
  uint32_t max_points = kDefaultPoints;
};

struct ScalarSeries {
  std::string name;
  std::vector<int64_t> steps;
  std::vector<double> values;  // Mean over ranks (and steps, when downsampled).
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_STORE_TYPES_H_
