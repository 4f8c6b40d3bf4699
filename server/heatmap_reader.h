// The read side of heatmaps: how a step range is cut into columns, and how a series' stored
// histograms (segments, and summaries once a range is wide enough) are summed into them.
// SqliteStore::ReadHeatmap resolves the run and series, then calls ReadSeriesColumns once per
// rank and adds the ranks' columns together.
//
// Columns: a plan has a unit (1 step for raw reads, or a summary level's bucket width) and
// puts `per_column` consecutive units into each column, starting at the unit holding `from`.
// Each column therefore covers whole buckets (clipped to [from, to]) and reports the first and
// last step it actually summed.
//
// Thread-safety: functions use only the connection passed in, which the caller owns.
#ifndef ACTISCOPE_SERVER_HEATMAP_READER_H_
#define ACTISCOPE_SERVER_HEATMAP_READER_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/histogram_sums.h"
#include "server/sqlite_handle.h"
#include "server/store_types.h"

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

// Plans at most `max_columns` (>= 1) columns over [from, to] (from <= to), using the coarsest
// summary level whose width is at most the range's steps per column.
ColumnPlan PlanColumns(int64_t from, int64_t to, uint32_t max_columns);

// SQL for the last stored step of the series `series_id` of the row (-1 when none), for
// SELECTs from table series.
inline constexpr const char* kSeriesLastStepSql =
    "coalesce((SELECT g.last_step FROM segments g WHERE g.series_id = series.series_id "
    "ORDER BY g.first_step DESC LIMIT 1), -1)";

// The stored series a read sums.
struct SeriesRef {
  int64_t series_id = 0;
  uint32_t bins = 0;
  int64_t last_step = -1;  // The last stored step, as of the read's transaction.
};

// Calls `fn` with every stored histogram of the series with a step in [from, to], ascending.
absl::Status ForEachStoredStep(Connection* conn, const SeriesRef& series, int64_t from, int64_t to,
                               const std::function<void(int64_t, const HistogramSums&)>& fn);

// Adds the series' histograms in [plan.from, plan.to] into `columns` (plan.columns entries).
// `raw_only` sums segments even where summaries would do (tests compare the two).
absl::Status ReadSeriesColumns(Connection* conn, const SeriesRef& series, const ColumnPlan& plan,
                               bool raw_only, std::vector<StepRangeSums>* columns);

// The sum of the series' histograms in [from, to], from the coarsest rows that fit. Ingest
// uses it to rebuild a series' open summary buckets after a restart or a resume.
absl::StatusOr<StepRangeSums> SumStepRange(Connection* conn, const SeriesRef& series, int64_t from,
                                           int64_t to);

// INVALID_ARGUMENT for max_columns outside 1..10000, a negative from_step, or from_step after
// an explicit to_step.
absl::Status ValidateHeatmapQuery(const HeatmapQuery& query);

// The heatmap of `query` for the run `run_key` (resolved by the caller, inside the same read
// transaction): NOT_FOUND when the run lacks the layer/kind (or rank); INVALID_ARGUMENT as
// ValidateHeatmapQuery.
// `segments_only` sums segments even where summaries would do.
absl::StatusOr<Heatmap> QueryHeatmap(Connection* conn, int64_t run_key, const HeatmapQuery& query,
                                     bool segments_only);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HEATMAP_READER_H_
