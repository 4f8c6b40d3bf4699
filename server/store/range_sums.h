// Sums of a stored series over a step range, read from the coarsest rows that fit: sealed
// summary buckets (summary_levels.h) where whole buckets lie inside the range, packed segments
// (series_block.h) for the rest. Both sides use it: ingest rebuilds a series' open summary
// buckets after a restart or a resume (series_state.h), and heatmap queries sum their columns
// (heatmap_query.h).
//
// Thread-safety: functions use only the connection passed in, which the caller owns.
#ifndef ACTISCOPE_SERVER_STORE_RANGE_SUMS_H_
#define ACTISCOPE_SERVER_STORE_RANGE_SUMS_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/store/histogram_sums.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

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

// Covers [from, to] of the series with pieces and calls `sink(start, piece)` for each: sealed
// summary rows of `level` (and finer levels at the edges) where whole buckets fit, with `start`
// the bucket's first step; single stored steps for the rest, with `start` the step. Level -1
// reads only single steps. Pieces do not overlap; their order is unspecified.
absl::Status SumRangePieces(Connection* conn, const SeriesRef& series, int level, int64_t from,
                            int64_t to,
                            const std::function<void(int64_t, const StepRangeSums&)>& sink);

// The sum of the series' histograms in [from, to], from the coarsest rows that fit. Here and in
// SumRangePieces, `from` and `to` may be any int64 values (no step outside [0, last_step] is
// stored; the range is clipped to it first).
absl::StatusOr<StepRangeSums> SumStepRange(Connection* conn, const SeriesRef& series, int64_t from,
                                           int64_t to);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_RANGE_SUMS_H_
