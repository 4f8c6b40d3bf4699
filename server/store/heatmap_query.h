// Heatmap queries: how a step range is cut into columns, and how each rank's stored histograms
// (range_sums.h: segments, and summaries once a range is wide enough) are summed into them.
// SqliteStore::ReadHeatmap resolves the run, then calls QueryHeatmap, which reads the layer's
// series and adds the ranks' columns together.
//
// Columns: a plan has a unit (1 step for raw reads, or a summary level's bucket width) and
// puts `per_column` consecutive units into each column, starting at the unit holding `from`.
// Each column therefore covers whole buckets (clipped to [from, to]) and reports the first and
// last step it actually summed.
//
// Thread-safety: functions use only the connection passed in, which the caller owns.
#ifndef ACTISCOPE_SERVER_STORE_HEATMAP_QUERY_H_
#define ACTISCOPE_SERVER_STORE_HEATMAP_QUERY_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/histogram_sums.h"
#include "server/store/range_sums.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct ColumnPlan {
  int64_t from = 0;  // Inclusive step range.
  int64_t to = 0;
  int level = -1;    // Summary level whose buckets make the columns; -1: raw steps.
  int64_t unit = 1;  // Steps per unit: 1, or the level's bucket width.
  int64_t per_column = 1;
  int64_t columns = 0;

  int64_t ColumnOf(int64_t step) const { return (step / unit - from / unit) / per_column; }
  // First and last step a column may cover, within [from, to].
  int64_t ColumnFrom(int64_t c) const;
  int64_t ColumnTo(int64_t c) const;
};

// Plans at most `max_columns` (>= 1) columns over [from, to], using the coarsest summary level
// whose width is at most the range's steps per column. Any int64 bounds are safe: the range is
// first clipped to [0, kMaxStep] (common/report_limits.h; no step outside it is stored), which
// keeps every product in the plan below int64 overflow. A range empty after clipping (to <
// from) plans 0 columns.
ColumnPlan PlanColumns(int64_t from, int64_t to, uint32_t max_columns);

// Adds the series' histograms in [plan.from, plan.to] into `columns` (plan.columns entries).
// `raw_only` sums segments even where summaries would do (tests compare the two).
absl::Status ReadSeriesColumns(Connection* conn, const SeriesRef& series, const ColumnPlan& plan,
                               bool raw_only, std::vector<StepRangeSums>* columns);

// The heatmap of `query` for the run `run_key` (resolved by the caller, inside the same read
// transaction). `query` must have passed ValidateHeatmapQuery (server/store/query_validation.h);
// it is not checked again. Resolves the layer's series and their layout first, plans the
// columns, and refuses a plan over limits.max_heatmap_cells (ValidateHeatmapCells:
// INVALID_ARGUMENT) before reading any histogram. NOT_FOUND when the run lacks the layer/kind
// (or rank). `segments_only` sums segments even where summaries would do.
absl::StatusOr<Heatmap> QueryHeatmap(Connection* conn, int64_t run_key, const HeatmapQuery& query,
                                     const QueryLimits& limits, bool segments_only);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_HEATMAP_QUERY_H_
