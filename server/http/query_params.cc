#include "server/http/query_params.h"

#include <cstdint>
#include <limits>
#include <optional>

#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "server/store/query_validation.h"

namespace actiscope::server {
namespace {

constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kUint32Max = std::numeric_limits<uint32_t>::max();

std::optional<Kind> ParseKind(const std::string& text) {
  if (text == "activation") return Kind::kActivation;
  if (text == "gradient") return Kind::kGradient;
  if (text == "weight") return Kind::kWeight;
  return std::nullopt;
}

// A count parameter: absent or 0 is `default_value`. Its upper bound is the query's to check
// (Validate*), so that both edges say the same.
absl::Status ParseCount(const ParsedTarget& request, const std::string& name,
                        uint32_t default_value, uint32_t* value) {
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t parsed, request.IntParam(name, 0, 0, kUint32Max));
  *value = parsed != 0 ? static_cast<uint32_t>(parsed) : default_value;
  return absl::OkStatus();
}

// `from` as given (Validate* checks it) and `to`, absent or negative meaning the last step (-1).
absl::Status ParseSteps(const ParsedTarget& request, int64_t* from_step, int64_t* to_step) {
  ACTISCOPE_ASSIGN_OR_RETURN(*from_step, request.IntParam("from", 0, kInt64Min, kInt64Max));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t to, request.IntParam("to", -1, kInt64Min, kInt64Max));
  *to_step = to >= 0 ? to : -1;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<RunListQuery> ParseRunListParams(const ParsedTarget& request,
                                                const QueryLimits& limits) {
  RunListQuery query;
  query.name_contains = request.Param("name").value_or("");
  ACTISCOPE_RETURN_IF_ERROR(ParseCount(request, "limit", DefaultRunLimit(limits), &query.limit));
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunListQuery(query, limits));
  return query;
}

absl::StatusOr<HeatmapQuery> ParseHeatmapParams(const std::string& run_id,
                                                const ParsedTarget& request,
                                                const QueryLimits& limits) {
  HeatmapQuery query;
  query.run_id = run_id;
  std::optional<std::string> layer = request.Param("layer");
  if (!layer) return absl::InvalidArgumentError("parameter layer: required");
  query.layer = *std::move(layer);
  std::optional<Kind> kind = ParseKind(request.Param("kind").value_or("activation"));
  if (!kind) {
    return absl::InvalidArgumentError("parameter kind: expected activation, gradient or weight");
  }
  query.kind = *kind;
  ACTISCOPE_RETURN_IF_ERROR(ParseSteps(request, &query.from_step, &query.to_step));
  ACTISCOPE_RETURN_IF_ERROR(
      ParseCount(request, "columns", DefaultHeatmapColumns(limits), &query.max_columns));
  std::optional<std::string> rank = request.Param("rank");
  if (rank && *rank != "merged") {
    ACTISCOPE_ASSIGN_OR_RETURN(int64_t value, request.IntParam("rank", 0, 0, kUint32Max));
    query.rank = static_cast<uint32_t>(value);
  }
  ACTISCOPE_RETURN_IF_ERROR(ValidateHeatmapQuery(query, limits));
  return query;
}

absl::StatusOr<ScalarQuery> ParseScalarParams(const std::string& run_id,
                                              const ParsedTarget& request,
                                              const QueryLimits& limits) {
  ScalarQuery query;
  query.run_id = run_id;
  if (std::optional<std::string> names = request.Param("names")) {
    query.names = absl::StrSplit(*names, ',', absl::SkipEmpty());
  }
  ACTISCOPE_RETURN_IF_ERROR(ParseSteps(request, &query.from_step, &query.to_step));
  ACTISCOPE_RETURN_IF_ERROR(
      ParseCount(request, "points", DefaultScalarPoints(limits), &query.max_points));
  ACTISCOPE_RETURN_IF_ERROR(ValidateScalarQuery(query, limits));
  return query;
}

}  // namespace actiscope::server
