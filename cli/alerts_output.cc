// `actiscope alerts` output (see alerts_output.h).
#include "cli/alerts_output.h"

#include "absl/strings/str_format.h"
#include "cli/wire_names.h"
#include "common/json_writer.h"

namespace actiscope::cli {

std::string AlertsText(const v1::ListAlertsResponse& response) {
  std::string out;
  for (const v1::Alert& a : response.alerts()) {
    absl::StrAppendFormat(
        &out, "%-8s %-18s %s (%s, rank %d) steps %d-%d %s value %.4g vs %.4g: %s\n",
        AlertSeverityName(a.severity()), AlertTypeName(a.type()), a.layer(), KindName(a.kind()),
        a.rank(), a.first_step(), a.last_step(), a.cleared() ? "cleared" : "holding", a.value(),
        a.threshold(), a.message());
  }
  if (response.alerts().empty()) out = "(no alerts)\n";
  return out;
}

std::string AlertsJson(const v1::ListAlertsResponse& response) {
  JsonWriter w;
  w.BeginArray();
  for (const v1::Alert& a : response.alerts()) {
    w.BeginObject();
    w.Key("layer");
    w.String(a.layer());
    w.Key("kind");
    w.String(KindName(a.kind()));
    w.Key("rank");
    w.Uint(a.rank());
    w.Key("type");
    w.String(AlertTypeName(a.type()));
    w.Key("severity");
    w.String(AlertSeverityName(a.severity()));
    w.Key("first_step");
    w.Int(a.first_step());
    w.Key("last_step");
    w.Int(a.last_step());
    w.Key("cleared");
    w.Bool(a.cleared());
    w.Key("value");
    w.Double(a.value());
    w.Key("threshold");
    w.Double(a.threshold());
    w.Key("message");
    w.String(a.message());
    w.EndObject();
  }
  w.EndArray();
  return w.text() + "\n";
}

}  // namespace actiscope::cli
