// SQL of the alerts table (see alert_queries.h; the table is documented in schema.cc).
#include "server/store/alert_queries.h"

#include <string>

#include "common/status_macros.h"
#include "server/store/store_queries.h"

namespace actiscope::server {

absl::Status UpsertAlertRows(Connection* conn, absl::Span<const Alert> alerts) {
  std::string run_id;
  int64_t run_key = -1;
  for (const Alert& alert : alerts) {
    if (run_key < 0 || alert.run_id != run_id) {
      absl::StatusOr<int64_t> key = RunKey(conn, alert.run_id);
      if (absl::IsNotFound(key.status())) continue;
      ACTISCOPE_RETURN_IF_ERROR(key.status());
      run_id = alert.run_id;
      run_key = *key;
    }
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("INSERT OR REPLACE INTO alerts(run_key, rank, kind, layer, type, severity, "
                      "first_step, last_step, cleared, value, threshold, message) "
                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"));
    stmt.Bind(1, run_key)
        .Bind(2, int64_t{alert.rank})
        .Bind(3, int64_t{static_cast<int>(alert.kind)});
    stmt.BindText(4, alert.layer).Bind(5, int64_t{static_cast<int>(alert.type)});
    stmt.Bind(6, int64_t{static_cast<int>(alert.severity)}).Bind(7, alert.first_step);
    stmt.Bind(8, alert.last_step).Bind(9, int64_t{alert.cleared ? 1 : 0});
    stmt.Bind(10, alert.value).Bind(11, alert.threshold).BindText(12, alert.message);
    ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement prune,
        conn->Prepare(
            "DELETE FROM alerts WHERE run_key = ?1 AND rank = ?2 AND kind = ?3 AND layer = ?4 "
            "AND type = ?5 AND first_step > (SELECT MIN(first_step) FROM alerts WHERE "
            "run_key = ?1 AND rank = ?2 AND kind = ?3 AND layer = ?4 AND type = ?5) AND "
            "first_step < (SELECT first_step FROM alerts WHERE run_key = ?1 AND rank = ?2 AND "
            "kind = ?3 AND layer = ?4 AND type = ?5 ORDER BY first_step DESC LIMIT 1 "
            "OFFSET ?6)"));
    prune.Bind(1, run_key)
        .Bind(2, int64_t{alert.rank})
        .Bind(3, int64_t{static_cast<int>(alert.kind)});
    prune.BindText(4, alert.layer).Bind(5, int64_t{static_cast<int>(alert.type)});
    prune.Bind(6, int64_t{kLatestAlertEpisodesKept - 1});
    ACTISCOPE_RETURN_IF_ERROR(prune.Run());
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Alert>> QueryAlerts(Connection* conn, absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(const int64_t run_key, RunKey(conn, run_id));
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("SELECT rank, kind, layer, type, severity, first_step, last_step, cleared, "
                    "value, threshold, message FROM alerts WHERE run_key = ?1 "
                    "ORDER BY first_step, layer, kind, rank, type"));
  stmt.Bind(1, run_key);
  std::vector<Alert> alerts;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(const bool row, stmt.Step());
    if (!row) break;
    Alert& alert = alerts.emplace_back();
    alert.run_id = std::string(run_id);
    alert.rank = static_cast<uint32_t>(stmt.Int(0));
    alert.kind = static_cast<Kind>(stmt.Int(1));
    alert.layer = std::string(stmt.Text(2));
    alert.type = static_cast<AlertType>(stmt.Int(3));
    alert.severity = static_cast<AlertSeverity>(stmt.Int(4));
    alert.first_step = stmt.Int(5);
    alert.last_step = stmt.Int(6);
    alert.cleared = stmt.Int(7) != 0;
    alert.value = stmt.Double(8);
    alert.threshold = stmt.Double(9);
    alert.message = std::string(stmt.Text(10));
  }
  return alerts;
}

}  // namespace actiscope::server
