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
