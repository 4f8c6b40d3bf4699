#include "server/store/heatmap_query.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/bin_layout.h"
#include "common/report_limits.h"
#include "common/status_macros.h"
#include "server/store/query_validation.h"
#include "server/store/summary_levels.h"

namespace actiscope::server {
int64_t ColumnPlan::ColumnFrom(int64_t c) const {
  return std::max(from, (from / unit + c * per_column) * unit);
}

int64_t ColumnPlan::ColumnTo(int64_t c) const {
  return std::min(to, (from / unit + (c + 1) * per_column) * unit - 1);
}

ColumnPlan PlanColumns(int64_t from, int64_t to, uint32_t max_columns) {
  ColumnPlan plan;
  plan.from = std::max<int64_t>(from, 0);
  plan.to = std::min(to, kMaxStep);
  if (plan.to < plan.from) return plan;
  const int64_t span = plan.to - plan.from + 1;
  const int64_t steps_per_column = span / max_columns;
  for (int level = kSummaryLevels - 1; level >= 0; --level) {
    if (kSummaryWidths[level] <= steps_per_column) {
      plan.level = level;
      plan.unit = kSummaryWidths[level];
      break;
    }
  }
  const int64_t units = plan.to / plan.unit - plan.from / plan.unit + 1;
  plan.per_column = (units + max_columns - 1) / max_columns;
  plan.columns = (units + plan.per_column - 1) / plan.per_column;
  return plan;
}

absl::Status ReadSeriesColumns(Connection* conn, const SeriesRef& series, const ColumnPlan& plan,
                               bool raw_only, std::vector<StepRangeSums>* columns) {
  return SumRangePieces(conn, series, raw_only ? -1 : plan.level, plan.from, plan.to,
                        [&](int64_t step, const StepRangeSums& sums) {
                          (*columns)[plan.ColumnOf(step)].Merge(sums);
                        });
}

absl::StatusOr<Heatmap> QueryHeatmap(Connection* conn, int64_t run_key, const HeatmapQuery& query,
                                     const QueryLimits& limits, bool segments_only) {
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt, conn->Prepare(absl::StrCat("SELECT series_id, rank, scale, bins, lo, hi, ",
                                                 kSeriesLastStepSql,
                                                 " FROM series WHERE run_key = ?1 AND "
                                                 "layer = ?2 AND kind = ?3 ORDER BY series_id")));
  stmt.Bind(1, run_key).BindText(2, query.layer).Bind(3, int64_t{static_cast<int>(query.kind)});
  Heatmap heatmap;
  std::vector<SeriesRef> series;
  int64_t last_step = -1;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (query.rank.has_value() && static_cast<uint32_t>(stmt.Int(1)) != *query.rank) continue;
    heatmap.layout.scale = static_cast<BinScale>(stmt.Int(2));
    heatmap.layout.bins = static_cast<uint32_t>(stmt.Int(3));
    heatmap.layout.lo = stmt.Double(4);
    heatmap.layout.hi = stmt.Double(5);
    series.push_back(SeriesRef{stmt.Int(0), heatmap.layout.bins, stmt.Int(6)});
    last_step = std::max(last_step, stmt.Int(6));
  }
  if (series.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "heatmap: run '", query.run_id, "' has no layer '", query.layer, "' of kind ",
        static_cast<int>(query.kind),
        query.rank.has_value() ? absl::StrCat(" for rank ", *query.rank) : std::string()));
  }
  heatmap.bin_edges = BinEdges(heatmap.layout);
  const int64_t to = query.to_step >= 0 ? std::min(query.to_step, last_step) : last_step;
  if (to < query.from_step) return heatmap;
  const ColumnPlan plan = PlanColumns(query.from_step, to, query.max_columns);
  if (plan.columns == 0) return heatmap;
  ACTISCOPE_RETURN_IF_ERROR(ValidateHeatmapCells(query, plan.columns, heatmap.layout.bins, limits));
  std::vector<StepRangeSums> columns(plan.columns);
  for (const SeriesRef& s : series) {
    ACTISCOPE_RETURN_IF_ERROR(ReadSeriesColumns(conn, s, plan, segments_only, &columns));
  }
  for (StepRangeSums& c : columns) {
    if (c.empty()) continue;
    heatmap.columns.push_back(
        HeatmapColumn{c.step_from, c.step_to, c.histograms, std::move(c.sums)});
  }
  return heatmap;
}

}  // namespace actiscope::server
