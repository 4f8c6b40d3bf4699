// The output of `actiscope alerts RUN`: what the server's detectors flagged in a run
// (Query.ListAlerts), as text (one alert per line) or, with --json, as an array of objects.
// Pure functions returning text ending in '\n'.
#ifndef ACTISCOPE_CLI_ALERTS_OUTPUT_H_
#define ACTISCOPE_CLI_ALERTS_OUTPUT_H_

#include <string>

#include "actiscope/v1/query.pb.h"

namespace actiscope::cli {

// One line per alert: severity, type, layer (kind, rank), steps first-last (held or cleared),
// value vs threshold, message; "(no alerts)" when there is none.
std::string AlertsText(const v1::ListAlertsResponse& response);
// [{"layer", "kind", "rank", "type", "severity", "first_step", "last_step", "cleared",
// "value", "threshold", "message"}, ...]; type and severity as the HTTP API names them
// (server/http/alerts_json.h), e.g. "collapse", "critical".
std::string AlertsJson(const v1::ListAlertsResponse& response);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_ALERTS_OUTPUT_H_
