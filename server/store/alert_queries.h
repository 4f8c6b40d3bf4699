// The alerts table (schema versions 3-4, server/store/schema.cc): upserting the alerts the
// detectors report (server/alerts/alert_engine.h) and listing a run's. SqliteStore calls these
// with its writer connection (UpsertAlerts, inside a transaction it holds) or a query
// connection (ListAlerts).
//
// Thread-safety: functions use only the connection passed in, which the caller owns.
#ifndef ACTISCOPE_SERVER_STORE_ALERT_QUERIES_H_
#define ACTISCOPE_SERVER_STORE_ALERT_QUERIES_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Episodes of one series and alert type kept besides its first one: the latest ones.
inline constexpr int kLatestAlertEpisodesKept = 15;

// Inserts each alert, or replaces the stored one of the same episode (run, rank, kind, layer,
// type, first_step): a refresh or the clearing of an episode rewrites its row, a new episode
// adds one. Of a series' episodes of one type, the first and the kLatestAlertEpisodesKept
// latest are kept; older ones between them are deleted. Alerts of unknown runs are skipped (a
// run cannot vanish while its frames are ingested; nothing deletes runs).
absl::Status UpsertAlertRows(Connection* conn, absl::Span<const Alert> alerts);

// The run's alerts ordered by first_step, then layer, kind, rank and type. NOT_FOUND for an
// unknown run.
absl::StatusOr<std::vector<Alert>> QueryAlerts(Connection* conn, absl::string_view run_id);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_ALERT_QUERIES_H_
