// The alerts JSON of the HTTP API (see alerts_json.h).
#include "server/http/alerts_json.h"

#include "server/alerts/alert_rules.h"
#include "server/http/http_api.h"

namespace actiscope::server {

void WriteAlertsJson(const std::vector<Alert>& alerts, JsonWriter* json) {
  json->BeginObject();
  json->Key("alerts");
  json->BeginArray();
  for (const Alert& alert : alerts) {
    json->BeginObject();
    json->Key("layer");
    json->String(alert.layer);
    json->Key("kind");
    json->String(KindName(alert.kind));
    json->Key("rank");
    json->Uint(alert.rank);
    json->Key("type");
    json->String(AlertTypeName(alert.type));
    json->Key("severity");
    json->String(AlertSeverityName(alert.severity));
    json->Key("first_step");
    json->Int(alert.first_step);
    json->Key("last_step");
    json->Int(alert.last_step);
    json->Key("cleared");
    json->Bool(alert.cleared);
    json->Key("value");
    json->Double(alert.value);
    json->Key("threshold");
    json->Double(alert.threshold);
    json->Key("message");
    json->String(alert.message);
    json->EndObject();
  }
  json->EndArray();
  json->EndObject();
}

}  // namespace actiscope::server
