#include "cli/wire_names.h"

#include "absl/strings/str_cat.h"

namespace actiscope::cli {

absl::string_view StatusName(v1::RunStatus status) {
  switch (status) {
    case v1::RUN_STATUS_LIVE:
      return "live";
    case v1::RUN_STATUS_FINISHED:
      return "finished";
    case v1::RUN_STATUS_FAILED:
      return "failed";
    case v1::RUN_STATUS_STALLED:
      return "stalled";
    default:
      return "unknown";
  }
}

absl::string_view AlertTypeName(v1::AlertType type) {
  switch (type) {
    case v1::ALERT_TYPE_COLLAPSE:
      return "collapse";
    case v1::ALERT_TYPE_DEAD:
      return "dead";
    case v1::ALERT_TYPE_FROZEN:
      return "frozen";
    case v1::ALERT_TYPE_EXPLODING:
      return "exploding";
    case v1::ALERT_TYPE_SATURATED:
      return "saturated";
    case v1::ALERT_TYPE_NONFINITE:
      return "nonfinite";
    case v1::ALERT_TYPE_VANISHING_GRADIENT:
      return "vanishing_gradient";
    case v1::ALERT_TYPE_EXPLODING_GRADIENT:
      return "exploding_gradient";
    default:
      return "unknown";
  }
}

absl::string_view AlertSeverityName(v1::AlertSeverity severity) {
  switch (severity) {
    case v1::ALERT_SEVERITY_INFO:
      return "info";
    case v1::ALERT_SEVERITY_WARNING:
      return "warning";
    case v1::ALERT_SEVERITY_CRITICAL:
      return "critical";
    default:
      return "unknown";
  }
}

absl::string_view KindName(v1::Kind kind) {
  switch (kind) {
    case v1::KIND_ACTIVATION:
      return "activation";
    case v1::KIND_GRADIENT:
      return "gradient";
    case v1::KIND_WEIGHT:
      return "weight";
    default:
      return "unknown";
  }
}

absl::string_view ScaleName(v1::BinScale scale) {
  switch (scale) {
    case v1::BIN_SCALE_LINEAR:
      return "linear";
    case v1::BIN_SCALE_LOG_MAGNITUDE:
      return "log_magnitude";
    default:
      return "unknown";
  }
}

absl::StatusOr<v1::Kind> ParseKind(absl::string_view name) {
  for (v1::Kind kind : {v1::KIND_ACTIVATION, v1::KIND_GRADIENT, v1::KIND_WEIGHT}) {
    if (name == KindName(kind)) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown --kind \"", name, "\": want activation, gradient or weight"));
}

}  // namespace actiscope::cli
