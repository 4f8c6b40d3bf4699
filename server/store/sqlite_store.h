// SqliteStore: actiscope's storage of runs, histograms and scalars in one SQLite file (WAL).
// The gRPC services and the HTTP API both read and write through it; its folder, server/store/,
// holds the only code that includes <sqlite3.h> or writes SQL. The schema and its version
// history are documented in server/store/schema.cc; the packed segment format in
// server/store/series_block.h.
//
// Storage: each Write packs a series' (run, layer, kind, rank) new steps into segment rows of
// at most StoreOptions::max_segment_steps steps (server/store/ingest_writer.h) and seals
// multi-resolution summary buckets, so a heatmap over a million steps reads about a thousand
// summary rows (server/store/range_sums.h).
//
// Memory: reads and writes decode at most one segment at a time (max_segment_steps x bins x 8
// bytes of counts, 8 MiB at the defaults and 1024 bins). The writer keeps each series' ingest
// state (server/store/series_state.h: about 5 x (8 x bins + 120) bytes, 41 KiB at 1024 bins)
// for every run written since Open until it is finished or resumed, so that state is bounded
// by max_series_per_run x the runs being written (at most max_runs).
//
// Guarantees:
//  - Durability: a Write that returned OK is committed; with durable_against_power_loss (the
//    default, synchronous=FULL) it survives power loss, otherwise a process crash only.
//  - Atomicity: a batch is validated whole before anything of it is written; a rejected batch
//    stores nothing.
//  - Idempotency: per series (run, layer, kind, rank) and step, the first histogram that
//    arrives is stored, in whatever step order they come (a late step below the series' last
//    is stored too); a later one equal to it is ignored (WriteResult::histograms_ignored), so
//    re-sent frames are stored once; a later one that differs is a conflict, not stored
//    (WriteResult::histograms_conflicting, RunInfo::conflicting_frames). Scalars: the first
//    value of (run, name, rank, step) stays.
//  - Layouts: the first layout of a (run, layer, kind) sticks for all ranks; a histogram with
//    another layout is INVALID_ARGUMENT.
//
// Thread-safety: all methods are safe to call concurrently. Concurrent Writes are committed
// together (group commit: one transaction and one fsync for all that queued while the previous
// commit ran); reads use their own connections (at most read_connections, server/store/
// reader_pool.h) and see committed data only, so queries do not wait behind ingest.
#ifndef ACTISCOPE_SERVER_STORE_SQLITE_STORE_H_
#define ACTISCOPE_SERVER_STORE_SQLITE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/store/store_stats.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct StoreOptions {
  std::string path;  // The database file; created when missing.
  // A live run with no data for this long reads as RunStatus::kStalled.
  absl::Duration stall_after = absl::Minutes(2);
  // true: PRAGMA synchronous=FULL, a Write that returned OK survives power loss (the WAL is
  // fsynced at every commit). false: synchronous=NORMAL, it survives a crash of the process
  // but the last commits may be lost on power loss or an OS crash.
  bool durable_against_power_loss = true;
  // SQLite page size of a new file (512..65536, a power of two). Segments are a few KB each:
  // large pages pack them with little slack.
  int page_size = 32768;
  // The most query connections open at once (>= 1). A query waits up to read_wait for one
  // while all are busy, then fails with RESOURCE_EXHAUSTED (actiscope-server
  // --read_connections).
  int read_connections = 4;
  absl::Duration read_wait = absl::Seconds(5);
  // The most steps one segment row holds (>= 1): a batch with more steps of a series is split
  // into several segments, so no write or read decodes more than this many histograms of a
  // series at once (--max_segment_steps).
  int64_t max_segment_steps = 1024;
  // The most series (layer, kind, rank) one run may have (>= 1); a Write that would add more
  // is RESOURCE_EXHAUSTED and stores nothing, while the run's existing series keep accepting
  // data (--max_series_per_run).
  int64_t max_series_per_run = 16384;
  // The most runs the database may hold (>= 1); CreateRun of a new run beyond it is
  // RESOURCE_EXHAUSTED, existing runs keep working (--max_runs).
  int64_t max_runs = 100000;
  // How much one query may ask for (each member >= 1). The store refuses a heatmap over
  // query_limits.max_heatmap_cells; both edges check the rest (query_limits()).
  QueryLimits query_limits;
  // The most bytes the database file may grow to (PRAGMA max_page_count), 0 for no limit
  // (--max_database_bytes). A Write that would grow it further fails with RESOURCE_EXHAUSTED
  // and stores nothing, as on a full disk; reopening with a larger limit lets writes resume.
  int64_t max_database_bytes = 0;
  // Testing: sum heatmaps from segments only, never from summaries.
  bool heatmap_from_segments_only = false;
};

// What a resumed trainer's StartRun asks for (RunSpec.resumed): delete what is stored for
// steps >= from_step, of rank `rank`'s series and scalars or, with whole_run, of every rank's.
// Applied once per (run, resume_id): the store remembers applied ids, and repeating one (a
// reconnect, a spool replay) deletes nothing.
struct ResumeRequest {
  std::string resume_id;  // Non-empty; validated at the edge.
  int64_t from_step = 0;  // >= 0.
  uint32_t rank = 0;
  bool whole_run = false;
};

class SqliteStore {
 public:
  // Opens (creating and migrating as needed) the database at options.path. INVALID_ARGUMENT
  // for an option out of its range.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const StoreOptions& options);
  ~SqliteStore();
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Creates the run, or leaves an existing one as it is (returns false). With `resume` whose
  // resume_id the run has not seen, what it names is deleted first (ResumeRequest) and the
  // run is live again, so the resumed trainer's frames replace it; a seen resume_id changes
  // nothing. RESOURCE_EXHAUSTED for a new run when the database already holds max_runs runs.
  absl::StatusOr<bool> CreateRun(const RunInfo& run, const std::optional<ResumeRequest>& resume);

  // Stores the batch atomically and durably (committed when this returns OK). A histogram for
  // a (run, layer, kind, rank, step) already stored is ignored when equal to it, a conflict
  // when not (see Idempotency above). NOT_FOUND for an unknown run; INVALID_ARGUMENT when a
  // histogram's layout differs from its series' stored layout; RESOURCE_EXHAUSTED when it
  // would give the run more than max_series_per_run series, or when the disk or
  // max_database_bytes is full. An error of SQLite or the file system fails every batch
  // committed with this one (group commit) and none of them is stored.
  absl::StatusOr<WriteResult> Write(const WriteBatch& batch);

  absl::Status FinishRun(absl::string_view run_id, RunStatus status, absl::string_view message);

  // Counters and health for operators (server/store/store_stats.h).
  StoreStats Stats();
  // Commits a small write transaction that allocates a page (and removes it again), to learn
  // whether the store can commit after a failure; OK sets StoreStats::commit_ok again.
  absl::Status ProbeCommit();

  // StoreOptions::query_limits, which each edge passes to the Validate* functions.
  const QueryLimits& query_limits() const;

  // The queries of ListRuns, ReadHeatmap and ReadScalars must have passed their Validate*
  // function (server/store/query_validation.h), which each edge calls once per request; the
  // store does not check them again (step bounds anywhere in int64 are still safe: steps
  // outside [0, kMaxStep] are simply not stored). Every read holds one query connection
  // (RESOURCE_EXHAUSTED when none frees up within read_wait, see StoreOptions).

  // Newest start first, at most query.limit.
  absl::StatusOr<std::vector<RunInfo>> ListRuns(const RunListQuery& query);
  absl::StatusOr<RunInfo> GetRun(absl::string_view run_id);
  absl::StatusOr<std::vector<LayerInfo>> ListLayers(absl::string_view run_id);
  absl::StatusOr<std::vector<std::string>> ListScalarNames(absl::string_view run_id);

  // NOT_FOUND for an unknown run or a layer/kind the run lacks. INVALID_ARGUMENT, before any
  // histogram is read, when the planned columns x the layer's bins exceed
  // StoreOptions::query_limits.max_heatmap_cells (server/store/heatmap_query.h).
  absl::StatusOr<Heatmap> ReadHeatmap(const HeatmapQuery& query);
  // NOT_FOUND for an unknown run. Downsampled in SQL (server/store/store_queries.h): at most
  // query.max_points points per series reach memory.
  absl::StatusOr<std::vector<ScalarSeries>> ReadScalars(const ScalarQuery& query);

  // Alerts (the alerts table, schema.cc): inserts each, or replaces the stored one of the same
  // (run, rank, kind, layer, type), in one transaction; alerts of unknown runs are skipped.
  // The gRPC edge calls it with what AlertEngine::Observe returned after a committed Write.
  absl::Status UpsertAlerts(const std::vector<Alert>& alerts);
  // The run's alerts, held and cleared, ordered by first_step. NOT_FOUND for an unknown run.
  absl::StatusOr<std::vector<Alert>> ListAlerts(absl::string_view run_id);

 private:
  class Impl;
  explicit SqliteStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SQLITE_STORE_H_
