#include "server/store/query_validation.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/report_limits.h"
#include "common/status_macros.h"

namespace actiscope::server {
namespace {

absl::Status CheckStepRange(absl::string_view what, int64_t from_step, int64_t to_step) {
  if (from_step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the from step must be >= 0, got ", from_step));
  }
  if (from_step > kMaxStep || to_step > kMaxStep) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": steps must be at most ", kMaxStep,
                                                   " (2^53 - 1), got from ", from_step, " to ",
                                                   to_step));
  }
  if (to_step >= 0 && from_step > to_step) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": the from step ", from_step, " is after the to step ", to_step));
  }
  return absl::OkStatus();
}

// `value` in 1..`max`, the limit of actiscope-server's --`flag`.
absl::Status CheckCount(absl::string_view what, uint64_t value, absl::string_view flag,
                        uint64_t max) {
  if (value < 1 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be in [1, --", flag, "=", max, "], got ", value));
  }
  return absl::OkStatus();
}

}  // namespace

uint32_t DefaultRunLimit(const QueryLimits& limits) {
  return std::min(RunListQuery::kDefaultLimit, limits.max_runs_listed);
}

uint32_t DefaultHeatmapColumns(const QueryLimits& limits) {
  return std::min(HeatmapQuery::kDefaultColumns, limits.max_heatmap_columns);
}

uint32_t DefaultScalarPoints(const QueryLimits& limits) {
  return std::min(ScalarQuery::kDefaultPoints, limits.max_scalar_points);
}

absl::Status ValidateRunListQuery(const RunListQuery& query, const QueryLimits& limits) {
  return CheckCount("runs: limit", query.limit, "max_runs_listed", limits.max_runs_listed);
}

absl::Status ValidateHeatmapQuery(const HeatmapQuery& query, const QueryLimits& limits) {
  if (query.layer.empty()) return absl::InvalidArgumentError("heatmap: layer must not be empty");
  ACTISCOPE_RETURN_IF_ERROR(CheckStepRange("heatmap", query.from_step, query.to_step));
  return CheckCount("heatmap: columns", query.max_columns, "max_heatmap_columns",
                    limits.max_heatmap_columns);
}

absl::Status ValidateHeatmapCells(const HeatmapQuery& query, int64_t columns, uint32_t bins,
                                  const QueryLimits& limits) {
  const uint64_t cells = static_cast<uint64_t>(columns) * bins;
  if (cells <= limits.max_heatmap_cells) return absl::OkStatus();
  const uint64_t columns_that_fit = limits.max_heatmap_cells / bins;
  // INVALID_ARGUMENT, not RESOURCE_EXHAUSTED: asking again cannot succeed, asking for fewer
  // columns does (and RESOURCE_EXHAUSTED reads as "retry later", HTTP 429).
  return absl::InvalidArgumentError(absl::StrCat(
      "heatmap of layer '", query.layer, "': ", columns, " columns x ", bins, " bins is ", cells,
      " cells, over --max_heatmap_cells=", limits.max_heatmap_cells, "; ",
      columns_that_fit > 0 ? absl::StrCat("ask for at most ", columns_that_fit, " columns")
                           : std::string("not even one column of this layer fits")));
}

absl::Status ValidateScalarQuery(const ScalarQuery& query, const QueryLimits& limits) {
  if (query.names.size() > ScalarQuery::kMaxNames) {
    return absl::InvalidArgumentError(absl::StrCat("scalars: at most ", ScalarQuery::kMaxNames,
                                                   " names, got ", query.names.size()));
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckStepRange("scalars", query.from_step, query.to_step));
  return CheckCount("scalars: points", query.max_points, "max_scalar_points",
                    limits.max_scalar_points);
}

}  // namespace actiscope::server
