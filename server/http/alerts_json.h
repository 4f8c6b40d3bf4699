// The JSON of GET /api/runs/{id}/alerts (HttpApi routes it here): what the detectors
// (server/alerts/) flagged in the run, as the store lists it (SqliteStore::ListAlerts).
//
// Shape: {"alerts": [{"layer", "kind" (activation|gradient|weight), "rank", "type"
// (collapse|dead|frozen|exploding|saturated|nonfinite|vanishing_gradient|exploding_gradient),
// "severity" (info|warning|critical), "first_step", "last_step", "cleared", "value",
// "threshold", "message"}, ...]}, ordered by first_step; fields mean what actiscope.v1.Alert's
// do (proto/actiscope/v1/query.proto).
//
// Thread-safety: a pure function.
#ifndef ACTISCOPE_SERVER_HTTP_ALERTS_JSON_H_
#define ACTISCOPE_SERVER_HTTP_ALERTS_JSON_H_

#include <vector>

#include "common/json_writer.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Writes {"alerts": [...]} for `alerts`.
void WriteAlertsJson(const std::vector<Alert>& alerts, JsonWriter* json);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_ALERTS_JSON_H_
