#include "server/store/query_validation.h"

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

absl::Status CheckCount(absl::string_view what, uint64_t value, uint64_t max) {
  if (value < 1 || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " must be in [1, ", max, "], got ", value));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRunListQuery(const RunListQuery& query) {
  return CheckCount("runs: limit", query.limit, RunListQuery::kMaxLimit);
}

absl::Status ValidateHeatmapQuery(const HeatmapQuery& query) {
  if (query.layer.empty()) return absl::InvalidArgumentError("heatmap: layer must not be empty");
  ACTISCOPE_RETURN_IF_ERROR(CheckStepRange("heatmap", query.from_step, query.to_step));
  return CheckCount("heatmap: columns", query.max_columns, HeatmapQuery::kMaxColumns);
}

absl::Status ValidateHeatmapCells(const HeatmapQuery& query, int64_t columns, uint32_t bins) {
  if (static_cast<uint64_t>(columns) * bins <= HeatmapQuery::kMaxCells) return absl::OkStatus();
  // INVALID_ARGUMENT, not RESOURCE_EXHAUSTED: asking again cannot succeed, asking for fewer
  // columns does (and RESOURCE_EXHAUSTED reads as "retry later", HTTP 429).
  return absl::InvalidArgumentError(
      absl::StrCat("heatmap of layer '", query.layer, "': ", columns, " columns x ", bins,
                   " bins is over the limit of ", HeatmapQuery::kMaxCells,
                   " cells; ask for at most ", HeatmapQuery::kMaxCells / bins, " columns"));
}

absl::Status ValidateScalarQuery(const ScalarQuery& query) {
  if (query.names.size() > ScalarQuery::kMaxNames) {
    return absl::InvalidArgumentError(absl::StrCat("scalars: at most ", ScalarQuery::kMaxNames,
                                                   " names, got ", query.names.size()));
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckStepRange("scalars", query.from_step, query.to_step));
  return CheckCount("scalars: points", query.max_points, ScalarQuery::kMaxPoints);
}

}  // namespace actiscope::server
