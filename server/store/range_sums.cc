#include "server/store/range_sums.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/status_macros.h"
#include "server/store/series_block.h"
#include "server/store/summary_levels.h"

namespace actiscope::server {
namespace {

constexpr const char* kSegmentsSql =
    "SELECT data FROM segments WHERE series_id = ?1 AND first_step >= "
    "coalesce((SELECT max(first_step) FROM segments WHERE series_id = ?1 AND first_step <= ?2),"
    " ?2) AND first_step <= ?3 ORDER BY first_step";

constexpr const char* kSummariesSql =
    "SELECT bucket, first_step, last_step, histograms, data FROM summaries "
    "WHERE series_id = ?1 AND level = ?2 AND bucket BETWEEN ?3 AND ?4 ORDER BY bucket";

// Sums [a, b] of the series into `sink(column_step, sums)`, using sealed summary rows of
// `level` and finer where whole buckets fit, and segments for the rest.
class RangeSummer {
 public:
  RangeSummer(Connection* conn, const SeriesRef& series,
              std::function<void(int64_t, const StepRangeSums&)> sink)
      : conn_(conn), series_(series), sink_(std::move(sink)) {}

  absl::Status Sum(int level, int64_t a, int64_t b) {
    // Stored steps are in [0, last_step], last_step <= kMaxStep: clipping to them keeps the
    // bucket arithmetic below in range for any int64 bounds.
    a = std::max<int64_t>(a, 0);
    b = std::min(b, series_.last_step);
    if (a > b) return absl::OkStatus();
    if (level < 0) {
      return ForEachStoredStep(conn_, series_, a, b, [&](int64_t step, const HistogramSums& h) {
        StepRangeSums one;
        one.AddStep(step, h);
        sink_(step, one);
      });
    }
    const int64_t w = kSummaryWidths[level];
    const int64_t first = (a + w - 1) / w;
    // Whole buckets inside [a, b] that the series has moved past (sealed).
    const int64_t last = std::min((b + 1) / w - 1, series_.last_step / w - 1);
    if (first > last) return Sum(level - 1, a, b);
    ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt, conn_->Prepare(kSummariesSql));
    stmt.Bind(1, series_.series_id).Bind(2, int64_t{level}).Bind(3, first).Bind(4, last);
    for (;;) {
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      StepRangeSums bucket;
      bucket.step_from = stmt.Int(1);
      bucket.step_to = stmt.Int(2);
      bucket.histograms = static_cast<uint32_t>(stmt.Int(3));
      ACTISCOPE_RETURN_IF_ERROR(DecodeSummary(stmt.Blob(4), series_.bins, &bucket.sums));
      sink_(stmt.Int(0) * w, bucket);
    }
    if (a < first * w) ACTISCOPE_RETURN_IF_ERROR(Sum(level - 1, a, first * w - 1));
    if ((last + 1) * w <= b) ACTISCOPE_RETURN_IF_ERROR(Sum(level - 1, (last + 1) * w, b));
    return absl::OkStatus();
  }

 private:
  Connection* conn_;
  SeriesRef series_;
  std::function<void(int64_t, const StepRangeSums&)> sink_;
};

}  // namespace

absl::Status ForEachStoredStep(Connection* conn, const SeriesRef& series, int64_t from, int64_t to,
                               const std::function<void(int64_t, const HistogramSums&)>& fn) {
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(kSegmentsSql));
  stmt.Bind(1, series.series_id).Bind(2, from).Bind(3, to);
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::OkStatus();
    ACTISCOPE_ASSIGN_OR_RETURN(std::vector<StepHistogram> steps,
                               DecodeSeriesBlock(stmt.Blob(0), series.bins));
    for (const StepHistogram& s : steps) {
      if (s.step >= from && s.step <= to) fn(s.step, s.values);
    }
  }
}

absl::Status SumRangePieces(Connection* conn, const SeriesRef& series, int level, int64_t from,
                            int64_t to,
                            const std::function<void(int64_t, const StepRangeSums&)>& sink) {
  RangeSummer summer(conn, series, sink);
  return summer.Sum(level, from, to);
}

absl::StatusOr<StepRangeSums> SumStepRange(Connection* conn, const SeriesRef& series, int64_t from,
                                           int64_t to) {
  StepRangeSums total;
  RangeSummer summer(conn, series, [&](int64_t, const StepRangeSums& sums) { total.Merge(sums); });
  ACTISCOPE_RETURN_IF_ERROR(summer.Sum(kSummaryLevels - 1, from, to));
  return total;
}

}  // namespace actiscope::server
