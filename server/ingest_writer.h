// The write path of the store: validates a WriteBatch, packs each series' new steps into one
// segment row, seals summary buckets, and keeps the per-series state (series_state.h) that
// makes ingest free of read-modify-write. Also deletes a run's steps from a step onward, for
// resumed runs. SqliteStore calls it under its writer mutex with the writer connection.
//
// Atomicity: Write validates the whole batch (fields, layouts, run) before writing anything,
// writes in one transaction, and changes its in-memory state only after the commit.
//
// Thread-safety: not thread-safe; the store serializes all calls.
#ifndef ACTISCOPE_SERVER_INGEST_WRITER_H_
#define ACTISCOPE_SERVER_INGEST_WRITER_H_

#include <cstdint>
#include <string>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/series_state.h"
#include "server/sqlite_handle.h"
#include "server/store_types.h"

namespace actiscope::server {

class IngestWriter {
 public:
  // Stores `batch` durably in one transaction of `conn` (committed when this returns OK).
  // NOT_FOUND for an unknown run; INVALID_ARGUMENT for an invalid histogram or scalar, or a
  // layout that differs from the one stored for its (layer, kind).
  absl::StatusOr<WriteResult> Write(Connection* conn, const WriteBatch& batch);

  // Inside the caller's transaction: deletes the run's histograms and scalars at steps >=
  // `step`, truncating the segment that straddles it and dropping the summary buckets that
  // held deleted steps. The caller must call ForgetRun after the transaction ends.
  absl::Status DeleteFromStep(Connection* conn, int64_t run_key, int64_t step);

  // Drops the cached state of the run; it is reloaded from the database on its next write.
  void ForgetRun(const std::string& run_id) { runs_.erase(run_id); }

 private:
  using SeriesKey = std::tuple<std::string, int, uint32_t>;  // layer, kind, rank
  struct RunState {
    int64_t run_key = 0;
    absl::flat_hash_map<SeriesKey, SeriesState> series;
  };

  absl::StatusOr<RunState*> LoadRun(Connection* conn, const std::string& run_id);

  absl::flat_hash_map<std::string, RunState> runs_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_INGEST_WRITER_H_
