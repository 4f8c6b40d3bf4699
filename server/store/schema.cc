// Schema of the actiscope database.
//
// Version history (PRAGMA user_version):
//   0: empty file.
//   1: runs, series, segments, summaries, scalars (below).
//   2: runs.conflicting_frames and runs.rejected_frames; tables resumes and commit_probe.
//   3: table alerts.
//   4: alerts keep each episode (first_step joins the primary key).
//
// Tables at version 1:
//   runs(run_key INTEGER PRIMARY KEY, run_id TEXT UNIQUE, name, config BLOB, host, device,
//        world_size, start_time_us, last_update_us, status, status_message, first_step,
//        last_step, dropped_frames)
//     config: varint-length-prefixed key, value pairs, sorted by key.
//     status: RunStatus value (live, finished, failed); stalled is computed at read time.
//     first_step/last_step: -1 while nothing is stored.
//   series(series_id INTEGER PRIMARY KEY, run_key, layer, kind, rank, scale, bins, lo, hi)
//     One per (run, layer, kind, rank); ids ascend in first-reported order, which is the
//     layer order ListLayers returns. The layout is the series' first; it never changes.
//     A series' last stored step is its last segment's last_step (not kept here, so ingest
//     does not rewrite this table's page at every commit).
//   segments(segment_id INTEGER PRIMARY KEY, series_id, first_step, last_step, count, data)
//     data: a series block (server/store/series_block.h) of `count` consecutive stored steps of the
//     series. Segments of a series never overlap. Rowid order is insertion order, so ingest
//     appends at the end of the table; index segments_by_series finds a series' step range.
//     A series' last segment with fewer than 64 steps is rewritten with the next steps
//     (server/store/series_state.h), so small batches still make long segments; a segment
//     holds at most StoreOptions::max_segment_steps steps (larger batches are split).
//   summaries(summary_id INTEGER PRIMARY KEY, series_id, level, bucket, first_step,
//             last_step, histograms, data)
//     The sum of every stored histogram of the series with step / width(level) == bucket
//     (server/store/summary_levels.h holds the widths and the data format). Only buckets the
//     series has moved past are stored (sealed); the open one is summed from finer levels
//     and segments at query time. UNIQUE (series_id, level, bucket) through index
//     summaries_by_series; rowid order is insertion order, so a commit's new rows share the
//     table's last page.
//   scalars(run_key, name, rank, step, value) PRIMARY KEY (run_key, name, rank, step),
//     WITHOUT ROWID.
//
// Added at version 2:
//   runs.conflicting_frames: frames that differed from the one already stored for their
//     (series, step) and were not stored; runs.rejected_frames: frames clients gave up on after
//     a permanent refusal (PushRequest.rejected_frames). Both 0 for runs of version 1.
//   resumes(run_key, resume_id, rank, whole_run, from_step, applied_us) PRIMARY KEY
//     (run_key, resume_id), WITHOUT ROWID: each resume applied to the run, so a StartRun that
//     repeats a resume_id deletes nothing again.
//   commit_probe(id INTEGER PRIMARY KEY, data BLOB): empty but while SqliteStore::ProbeCommit
//     writes and removes one row, to learn whether the store can commit again.
//
// Added at version 3:
//   alerts(run_key, rank, kind, layer, type, severity, first_step, last_step, cleared, value,
//          threshold, message) PRIMARY KEY (run_key, rank, kind, layer, type), WITHOUT ROWID:
//     what the detectors (server/alerts/) found in a series, one row per series and alert type
//     holding its latest episode (a condition that clears and returns replaces the row).
//     Version 4 keys it by episode (below).
//     type: AlertType, severity: AlertSeverity (store_types.h); first_step: the step the
//     condition began; last_step: the last step it held or, with cleared = 1, the step it
//     cleared at; value and threshold: the rule's measure and limit (server/alerts/
//     alert_rules.h); message: one sentence for a person. Written by SqliteStore::UpsertAlerts;
//     a resume deletes no alert.
//
// Changed at version 4:
//   alerts PRIMARY KEY (run_key, rank, kind, layer, type, first_step): one row per episode of
//     a condition (it began at first_step; a refresh or its clearing rewrites that row; its
//     return later is a new row). Per series and type the first episode and the 15 latest are
//     kept (alert_queries.h), so a condition that flaps cannot grow the table without bound.
//     Version 3's rows are copied as they are.
//
// Pages are 32 KiB by default (StoreOptions::page_size): segments are a few KB, and large
// pages leave little slack around them. Changing any of the above needs a new version and a
// migration in Migrations() below.
#include "server/store/schema.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace actiscope::server {
namespace {

constexpr const char* kVersion1 = R"sql(
CREATE TABLE runs(
  run_key INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  config BLOB NOT NULL,
  host TEXT NOT NULL,
  device TEXT NOT NULL,
  world_size INTEGER NOT NULL,
  start_time_us INTEGER NOT NULL,
  last_update_us INTEGER NOT NULL,
  status INTEGER NOT NULL,
  status_message TEXT NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  dropped_frames INTEGER NOT NULL
) STRICT;
CREATE TABLE series(
  series_id INTEGER PRIMARY KEY,
  run_key INTEGER NOT NULL REFERENCES runs(run_key),
  layer TEXT NOT NULL,
  kind INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  scale INTEGER NOT NULL,
  bins INTEGER NOT NULL,
  lo REAL NOT NULL,
  hi REAL NOT NULL,
  UNIQUE(run_key, layer, kind, rank)
) STRICT;
CREATE TABLE segments(
  segment_id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  count INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE INDEX segments_by_series ON segments(series_id, first_step);
CREATE TABLE summaries(
  summary_id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL,
  level INTEGER NOT NULL,
  bucket INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  histograms INTEGER NOT NULL,
  data BLOB NOT NULL
) STRICT;
CREATE UNIQUE INDEX summaries_by_series ON summaries(series_id, level, bucket);
CREATE TABLE scalars(
  run_key INTEGER NOT NULL,
  name TEXT NOT NULL,
  rank INTEGER NOT NULL,
  step INTEGER NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY(run_key, name, rank, step)
) STRICT, WITHOUT ROWID;
)sql";

constexpr const char* kVersion2 = R"sql(
ALTER TABLE runs ADD COLUMN conflicting_frames INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN rejected_frames INTEGER NOT NULL DEFAULT 0;
CREATE TABLE resumes(
  run_key INTEGER NOT NULL,
  resume_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  whole_run INTEGER NOT NULL,
  from_step INTEGER NOT NULL,
  applied_us INTEGER NOT NULL,
  PRIMARY KEY(run_key, resume_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE commit_probe(id INTEGER PRIMARY KEY, data BLOB NOT NULL) STRICT;
)sql";

constexpr const char* kVersion3 = R"sql(
CREATE TABLE alerts(
  run_key INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  layer TEXT NOT NULL,
  type INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  cleared INTEGER NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY(run_key, rank, kind, layer, type)
) STRICT, WITHOUT ROWID;
)sql";

constexpr const char* kVersion4 = R"sql(
CREATE TABLE alert_episodes(
  run_key INTEGER NOT NULL,
  rank INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  layer TEXT NOT NULL,
  type INTEGER NOT NULL,
  severity INTEGER NOT NULL,
  first_step INTEGER NOT NULL,
  last_step INTEGER NOT NULL,
  cleared INTEGER NOT NULL,
  value REAL NOT NULL,
  threshold REAL NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY(run_key, rank, kind, layer, type, first_step)
) STRICT, WITHOUT ROWID;
INSERT INTO alert_episodes SELECT run_key, rank, kind, layer, type, severity, first_step,
  last_step, cleared, value, threshold, message FROM alerts;
DROP TABLE alerts;
ALTER TABLE alert_episodes RENAME TO alerts;
)sql";

// migrations[v] takes a file from version v to v + 1.
const std::vector<const char*>& Migrations() {
  static const auto* migrations =
      new std::vector<const char*>{kVersion1, kVersion2, kVersion3, kVersion4};
  return *migrations;
}

absl::StatusOr<int> UserVersion(Connection* conn) {
  absl::StatusOr<Statement> stmt = conn->Prepare("PRAGMA user_version");
  if (!stmt.ok()) return stmt.status();
  absl::StatusOr<bool> row = stmt->Step();
  if (!row.ok()) return row.status();
  return *row ? static_cast<int>(stmt->Int(0)) : 0;
}

}  // namespace

absl::Status CheckDatabaseFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::OkStatus();  // Missing: SQLite creates it (or says why it cannot).
  char header[100];
  file.read(header, sizeof header);
  const std::streamsize got = file.gcount();
  if (got == 0) return absl::OkStatus();  // Empty: a new database.
  // SQLite's file header: the magic string, then big-endian fields; the schema cookie (offset
  // 40) changes with every schema change, user_version (offset 60) is PRAGMA user_version.
  static constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL.
  if (got < static_cast<std::streamsize>(sizeof header) ||
      std::memcmp(header, kMagic, sizeof kMagic) != 0) {
    return absl::DataLossError("not an SQLite database (its first 16 bytes are not SQLite's)");
  }
  const auto big_endian = [&](int offset) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<uint8_t>(header[offset + i]);
    return v;
  };
  if (big_endian(60) == 0 && big_endian(40) != 0) {
    return absl::FailedPreconditionError(
        "an SQLite database with a schema but no actiscope schema version: another program's "
        "database, which actiscope-server leaves untouched; pass another --db");
  }
  return absl::OkStatus();
}

absl::Status MigrateSchema(Connection* conn) {
  static_assert(kSchemaVersion >= 1, "schema version starts at 1");
  for (;;) {
    absl::StatusOr<Transaction> txn = Transaction::Begin(conn, /*immediate=*/true);
    if (!txn.ok()) return txn.status();
    absl::StatusOr<int> version = UserVersion(conn);
    if (!version.ok()) return version.status();
    if (*version == kSchemaVersion) return txn->Commit();
    if (*version > kSchemaVersion || *version < 0 ||
        static_cast<size_t>(*version) >= Migrations().size()) {
      return absl::FailedPreconditionError(
          absl::StrCat("database schema version ", *version, " is newer than this build's ",
                       kSchemaVersion, "; upgrade actiscope-server"));
    }
    absl::Status status = conn->Exec(Migrations()[*version]);
    if (!status.ok()) return status;
    status = conn->Exec(absl::StrCat("PRAGMA user_version=", *version + 1));
    if (!status.ok()) return status;
    status = txn->Commit();
    if (!status.ok()) return status;
  }
}

}  // namespace actiscope::server
