// Names of alert types and severities, as the HTTP API and the CLI print them.
#include "server/alerts/alert_rules.h"

namespace actiscope::server {

absl::string_view AlertTypeName(AlertType type) {
  switch (type) {
    case AlertType::kCollapse:
      return "collapse";
    case AlertType::kDead:
      return "dead";
    case AlertType::kFrozen:
      return "frozen";
    case AlertType::kExploding:
      return "exploding";
    case AlertType::kSaturated:
      return "saturated";
    case AlertType::kNonfinite:
      return "nonfinite";
    case AlertType::kVanishingGradient:
      return "vanishing_gradient";
    case AlertType::kExplodingGradient:
      return "exploding_gradient";
  }
  return "unknown";
}

absl::string_view AlertSeverityName(AlertSeverity severity) {
  switch (severity) {
    case AlertSeverity::kInfo:
      return "info";
    case AlertSeverity::kWarning:
      return "warning";
    case AlertSeverity::kCritical:
      return "critical";
  }
  return "unknown";
}

}  // namespace actiscope::server
