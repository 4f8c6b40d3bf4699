// The CLI's names for wire enums ("live", "activation", ...), used by both the text and the JSON
// output and by flag parsing, so every output spells them the same way. Pure functions.
#ifndef ACTISCOPE_CLI_WIRE_NAMES_H_
#define ACTISCOPE_CLI_WIRE_NAMES_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actiscope/v1/collector.pb.h"
#include "actiscope/v1/histogram.pb.h"
#include "actiscope/v1/query.pb.h"

namespace actiscope::cli {

// "live", "finished", "failed", "stalled"; "unknown" for anything else.
absl::string_view StatusName(v1::RunStatus status);
// "activation", "gradient", "weight"; "unknown" for anything else.
absl::string_view KindName(v1::Kind kind);
// "collapse", "dead", "frozen", "exploding", "saturated", "nonfinite", "vanishing_gradient",
// "exploding_gradient"; "unknown" otherwise (the server's names, server/alerts/alert_rules.h).
absl::string_view AlertTypeName(v1::AlertType type);
// "info", "warning", "critical"; "unknown" otherwise.
absl::string_view AlertSeverityName(v1::AlertSeverity severity);
// "linear", "log_magnitude"; "unknown" for anything else.
absl::string_view ScaleName(v1::BinScale scale);
// Inverse of KindName. INVALID_ARGUMENT naming the value and the accepted names otherwise.
absl::StatusOr<v1::Kind> ParseKind(absl::string_view name);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_WIRE_NAMES_H_
