// The write path of the store: checks a WriteBatch (below), stores each series' steps in segment
// rows of at most IngestLimits::max_segment_steps steps, keeps the summary buckets exact, and
// keeps the per-series state (series_state.h) that makes the common ingest, steps above the
// series' last, free of read-modify-write. Also deletes a run's (or one rank's) steps from a
// step onward, for resumed runs. SqliteStore calls it under its writer mutex with the writer
// connection.
//
// Storing rule: per series (run, layer, kind, rank) and step, the first histogram that arrives
// is stored, in whatever step order histograms arrive; a later one equal to it (SameAsStored,
// series_block.h: counts and every statistic as a segment keeps them) is ignored
// (WriteResult::histograms_ignored); a later one that differs is a conflict: not stored,
// counted in WriteResult::histograms_conflicting and the run's conflicting_frames. Within a
// batch, histograms of one step count in arrival order, the first against what is stored.
//  - A step above the series' last stored step is appended: the tail segment (or new ones)
//    and the open summary buckets, in memory, read nothing.
//  - A step at or below it is looked up in the segment covering it (each such segment read
//    and decoded once per batch, one at a time). Not stored there, it is a late step: inserted into
//    that segment, or the nearest one (the greatest first_step <= step, else the series' first),
//    which is re-encoded and, past max_segment_steps, split into rows of near-equal size, so
//    segments never overlap; its sealed summary buckets' rows are read, added to and written
//    back (or made), its open bucket gets it in memory (SeriesState::AddLate).
//
// Input is validated once, at the gRPC edge (server/grpc/request_validation.h and
// codec::DecodeBatchCounts): names of 1 to kMaxNameBytes bytes, known kinds, steps >= 0, valid
// layouts, counts that match the stats. The writer relies on that and checks only what its own
// format needs: that each histogram has layout.bins counts (a segment or summary blob holds
// exactly the series' bins counts per histogram) and that a probe keeps one layout within a
// run (the series row holds one layout). It also enforces IngestLimits::max_series_per_run.
//
// Memory: the state of each series of each run written since the writer was made stays in
// memory until ForgetRun (finish, resume): at most max_series_per_run SeriesStates per run.
// Steps at or below a series' last are looked up with one decoded segment in memory at a time,
// as the other reads and writes do.
//
// Atomicity: each batch is checked whole (run, counts, layouts) before anything of it is
// written; a group of batches is written in one transaction (group commit), and the in-memory
// state changes only after that commit.
//
// Thread-safety: not thread-safe; the store serializes all calls.
#ifndef ACTISCOPE_SERVER_STORE_INGEST_WRITER_H_
#define ACTISCOPE_SERVER_STORE_INGEST_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/store/series_state.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// What one writer lets a batch make (StoreOptions holds their defaults and flags).
struct IngestLimits {
  int64_t max_segment_steps = 1024;    // Steps per segment row, >= 1.
  int64_t max_series_per_run = 16384;  // Series rows per run, >= 1.
};

class IngestWriter {
 public:
  explicit IngestWriter(IngestLimits limits) : limits_(limits) {}

  // Stores `batches` in one transaction of `conn` (committed when this returns). One result
  // per batch: NOT_FOUND for an unknown run; INVALID_ARGUMENT for a histogram without
  // layout.bins counts, or a layout that differs from the one stored for its (layer, kind);
  // RESOURCE_EXHAUSTED for a batch that would give its run more than max_series_per_run
  // series. A batch rejected for its content stores nothing and does not affect the others.
  // Any error from SQLite (IsStoreError, sqlite_handle.h: SQLITE_FULL as RESOURCE_EXHAUSTED,
  // an I/O error, a failed statement), and any error while writing, fails the whole group:
  // every batch gets that error, the transaction is rolled back, nothing is stored and the
  // in-memory state stays as it was.
  std::vector<absl::StatusOr<WriteResult>> WriteGroup(Connection* conn,
                                                      absl::Span<const WriteBatch* const> batches);

  // Inside the caller's transaction: deletes the histograms and scalars at steps >= `step` of
  // rank `rank`'s series, or of every rank's when `rank` is nullopt, truncating the segment
  // that straddles it and dropping the summary buckets that held deleted steps; then sets the
  // run's first_step and last_step to what remains of all its ranks (-1 when nothing). The
  // caller must call ForgetRun after the transaction ends.
  absl::Status DeleteFromStep(Connection* conn, int64_t run_key, int64_t step,
                              std::optional<uint32_t> rank);

  // Drops the cached state of the run; it is reloaded from the database on its next write.
  void ForgetRun(const std::string& run_id) { runs_.erase(run_id); }

 private:
  using SeriesKey = std::tuple<std::string, int, uint32_t>;  // layer, kind, rank
  struct RunState {
    int64_t run_key = 0;
    int64_t series_count = 0;  // Committed series rows of the run.
    absl::flat_hash_map<SeriesKey, SeriesState> series;
  };

  struct SeriesGroup;
  struct Prepared;

  absl::StatusOr<RunState*> LoadRun(Connection* conn, const std::string& run_id);
  // Checks `batch` (see the file comment) and plans its writes against the committed and
  // pending state; writes nothing.
  absl::StatusOr<Prepared> Prepare(Connection* conn, const WriteBatch& batch);
  // Writes a prepared batch inside the open transaction, recording series states in pending_.
  absl::StatusOr<WriteResult> Apply(Connection* conn, Prepared& prepared);

  const IngestLimits limits_;
  // Committed state, per run id.
  // Node-based: RunState pointers stay valid while other runs are added.
  absl::node_hash_map<std::string, RunState> runs_;
  // States written by the open transaction: (run, series) -> state.
  absl::flat_hash_map<std::pair<RunState*, SeriesKey>, SeriesState> pending_;
  // Series rows the open transaction added, per run.
  absl::flat_hash_map<RunState*, int64_t> pending_series_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_INGEST_WRITER_H_
