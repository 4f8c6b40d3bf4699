#include "server/store/sqlite_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/store/alert_queries.h"
#include "server/store/heatmap_query.h"
#include "server/store/ingest_writer.h"
#include "server/store/reader_pool.h"
#include "server/store/schema.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_queries.h"

namespace actiscope::server {
namespace {

// For signed and unsigned options alike (a uint64_t limit would not fit an int64_t whole).
template <typename T>
absl::Status CheckAtLeastOne(absl::string_view name, T value) {
  if (value >= 1) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("store options: ", name, " must be at least 1, got ", value));
}

absl::Status ValidateStoreOptions(const StoreOptions& options) {
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("read_connections", options.read_connections));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_segment_steps", options.max_segment_steps));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_series_per_run", options.max_series_per_run));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_runs", options.max_runs));
  const QueryLimits& limits = options.query_limits;
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_runs_listed", limits.max_runs_listed));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_heatmap_columns", limits.max_heatmap_columns));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_heatmap_cells", limits.max_heatmap_cells));
  ACTISCOPE_RETURN_IF_ERROR(CheckAtLeastOne("max_scalar_points", limits.max_scalar_points));
  if (options.max_database_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("store options: max_database_bytes must be >= 0 (0: no limit), got ",
                     options.max_database_bytes));
  }
  if (options.read_wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("store options: read_wait must be >= 0, got ",
                                                   absl::FormatDuration(options.read_wait)));
  }
  return absl::OkStatus();
}

}  // namespace

class SqliteStore::Impl {
 public:
  explicit Impl(const StoreOptions& options)
      : options_(options),
        ingest_(IngestLimits{options.max_segment_steps, options.max_series_per_run}),
        readers_(
            [this] { return Connection::Open(options_.path, /*read_only=*/true, Synchronous()); },
            options.read_connections, options.read_wait) {}

  // Opens the file and brings its schema up to date. A file that is not an SQLite database or
  // is damaged is refused (DATA_LOSS), never recreated: the error names it and what to do.
  absl::Status Init() {
    absl::MutexLock lock(&write_mu_);
    absl::Status status = [&]() -> absl::Status {
      ACTISCOPE_RETURN_IF_ERROR(CheckDatabaseFile(options_.path));
      ACTISCOPE_ASSIGN_OR_RETURN(writer_, Connection::Open(options_.path, /*read_only=*/false,
                                                           Synchronous(), options_.page_size));
      ACTISCOPE_RETURN_IF_ERROR(MigrateSchema(writer_.get()));
      return LimitDatabaseSize();
    }();
    if (status.ok()) return status;
    const bool damaged = absl::IsDataLoss(status);
    return absl::Status(
        status.code(),
        absl::StrCat("database ", options_.path, ": ", status.message(),
                     damaged
                         ? "; actiscope-server left the file as it is: restore it from a backup, "
                           "or move it aside to start a new database"
                         : ""));
  }

  const QueryLimits& query_limits() const { return options_.query_limits; }

  absl::StatusOr<bool> CreateRun(const RunInfo& run, const std::optional<ResumeRequest>& resume);
  absl::StatusOr<WriteResult> Write(const WriteBatch& batch);
  StoreStats Stats();
  absl::Status ProbeCommit();
  absl::Status FinishRun(absl::string_view run_id, RunStatus status, absl::string_view message);
  absl::StatusOr<std::vector<RunInfo>> ListRuns(const RunListQuery& query);
  absl::StatusOr<RunInfo> GetRun(absl::string_view run_id);
  absl::StatusOr<std::vector<LayerInfo>> ListLayers(absl::string_view run_id);
  absl::StatusOr<std::vector<std::string>> ListScalarNames(absl::string_view run_id);
  absl::StatusOr<Heatmap> ReadHeatmap(const HeatmapQuery& query);
  absl::StatusOr<std::vector<ScalarSeries>> ReadScalars(const ScalarQuery& query);
  absl::Status UpsertAlerts(const std::vector<Alert>& alerts);
  absl::StatusOr<std::vector<Alert>> ListAlerts(absl::string_view run_id);

 private:
  using Reader = ReaderPool::Lease;

  absl::string_view Synchronous() const {
    return options_.durable_against_power_loss ? "FULL" : "NORMAL";
  }
  absl::StatusOr<Reader> Acquire() { return readers_.Acquire(); }
  // RESOURCE_EXHAUSTED when the database holds max_runs runs already.
  absl::Status CheckRunCount(const std::string& run_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Applies `resume` to the run unless it saw its resume_id before, in the open transaction.
  absl::Status ApplyResume(int64_t run_key, const ResumeRequest& resume, int64_t now_us)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // PRAGMA max_page_count from StoreOptions::max_database_bytes.
  absl::Status LimitDatabaseSize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(write_mu_);
  // Writes one group for the leader; an exception from below becomes INTERNAL for all of it.
  std::vector<absl::StatusOr<WriteResult>> WriteGroupSafely(
      const std::vector<const WriteBatch*>& batches);
  // Counts a group's outcome and its commit latency into stats_.
  void CountGroup(const std::vector<const WriteBatch*>& batches,
                  const std::vector<absl::StatusOr<WriteResult>>& results, absl::Duration latency);
  // Health after a commit attempt: the store can commit, or `error` says why not.
  void NoteCommit(const absl::Status& error);

  // A Write waiting in the group-commit queue.
  struct PendingWrite {
    const WriteBatch* batch = nullptr;
    bool done = false;
    absl::StatusOr<WriteResult> result;
  };
  static constexpr size_t kMaxGroupBatches = 256;
  static constexpr size_t kMaxGroupHistograms = 1 << 20;

  const StoreOptions options_;

  // Group commit: Writes queue here; the one at the front (the leader) writes the queued
  // batches in one transaction, hands each its result and wakes the next leader.
  absl::Mutex queue_mu_;
  absl::CondVar queue_cv_;
  std::deque<PendingWrite*> queue_ ABSL_GUARDED_BY(queue_mu_);

  absl::Mutex write_mu_;
  std::unique_ptr<Connection> writer_ ABSL_GUARDED_BY(write_mu_);
  IngestWriter ingest_ ABSL_GUARDED_BY(write_mu_);

  ReaderPool readers_;

  absl::Mutex stats_mu_;
  StoreStats stats_ ABSL_GUARDED_BY(stats_mu_);
};

absl::Status SqliteStore::Impl::LimitDatabaseSize() {
  if (options_.max_database_bytes == 0) return absl::OkStatus();
  ACTISCOPE_ASSIGN_OR_RETURN(Statement size, writer_->Prepare("PRAGMA page_size"));
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, size.Step());
  const int64_t page_size = row ? std::max<int64_t>(size.Int(0), 512) : 4096;
  const int64_t pages = std::max<int64_t>(options_.max_database_bytes / page_size, 1);
  return writer_->Exec(absl::StrCat("PRAGMA max_page_count=", pages));
}

absl::Status SqliteStore::Impl::ApplyResume(int64_t run_key, const ResumeRequest& resume,
                                            int64_t now_us) {
  {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement seen,
        writer_->Prepare("SELECT 1 FROM resumes WHERE run_key = ?1 AND resume_id = ?2"));
    seen.Bind(1, run_key).BindText(2, resume.resume_id);
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, seen.Step());
    if (row) return absl::OkStatus();
  }
  ACTISCOPE_RETURN_IF_ERROR(ingest_.DeleteFromStep(
      writer_.get(), run_key, resume.from_step,
      resume.whole_run ? std::nullopt : std::optional<uint32_t>(resume.rank)));
  {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        writer_->Prepare("INSERT INTO resumes(run_key, resume_id, rank, whole_run, from_step, "
                         "applied_us) VALUES(?1, ?2, ?3, ?4, ?5, ?6)"));
    stmt.Bind(1, run_key).BindText(2, resume.resume_id).Bind(3, int64_t{resume.rank});
    stmt.Bind(4, int64_t{resume.whole_run ? 1 : 0}).Bind(5, resume.from_step).Bind(6, now_us);
    ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
  }
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                             writer_->Prepare("UPDATE runs SET status = ?2, status_message = '', "
                                              "last_update_us = ?3 WHERE run_key = ?1"));
  stmt.Bind(1, run_key).Bind(2, int64_t{static_cast<int>(RunStatus::kLive)}).Bind(3, now_us);
  return stmt.Run();
}

absl::Status SqliteStore::Impl::CheckRunCount(const std::string& run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt, writer_->Prepare("SELECT count(*) FROM runs"));
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  const int64_t runs = row ? stmt.Int(0) : 0;
  if (runs < options_.max_runs) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "store: cannot create run '", run_id, "': the database holds ", runs, " runs, the limit of ",
      options_.max_runs, " (--max_runs); existing runs keep accepting data"));
}

absl::StatusOr<bool> SqliteStore::Impl::CreateRun(const RunInfo& run,
                                                  const std::optional<ResumeRequest>& resume) {
  if (run.run_id.empty()) return absl::InvalidArgumentError("run id: must not be empty");
  if (resume.has_value() && (resume->from_step < 0 || resume->resume_id.empty())) {
    return absl::InvalidArgumentError(
        absl::StrCat("resume: needs a resume_id and from_step >= 0, got '", resume->resume_id,
                     "' and ", resume->from_step));
  }
  absl::MutexLock lock(&write_mu_);
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_.get(), true));
  absl::StatusOr<int64_t> existing = RunKey(writer_.get(), run.run_id);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  bool created = false;
  int64_t run_key = 0;
  if (existing.ok()) {
    run_key = *existing;
  } else {
    ACTISCOPE_RETURN_IF_ERROR(CheckRunCount(run.run_id));
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        writer_->Prepare("INSERT INTO runs(run_id, name, config, host, device, world_size, "
                         "start_time_us, last_update_us, status, status_message, first_step, "
                         "last_step, dropped_frames) "
                         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, '', -1, -1, 0)"));
    const std::string config = EncodeConfig(run.config);
    stmt.BindText(1, run.run_id).BindText(2, run.name).BindBlob(3, config);
    stmt.BindText(4, run.host).BindText(5, run.device);
    stmt.Bind(6, int64_t{run.world_size}).Bind(7, absl::ToUnixMicros(run.start_time));
    stmt.Bind(8, now_us).Bind(9, int64_t{static_cast<int>(RunStatus::kLive)});
    ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    run_key = sqlite3_last_insert_rowid(writer_->raw());
    created = true;
  }
  // A new run records its resume too, so that a replay of the same StartRun deletes nothing.
  if (resume.has_value()) ACTISCOPE_RETURN_IF_ERROR(ApplyResume(run_key, *resume, now_us));
  const absl::Status status = txn.Commit();
  // Deleted steps change what the in-memory series state holds: reload it on next use.
  ingest_.ForgetRun(run.run_id);
  if (!status.ok()) return status;
  return created;
}

absl::Status SqliteStore::Impl::FinishRun(absl::string_view run_id, RunStatus status,
                                          absl::string_view message) {
  if (status != RunStatus::kFinished && status != RunStatus::kFailed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "finish run: status must be finished or failed, got ", static_cast<int>(status)));
  }
  absl::MutexLock lock(&write_mu_);
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      writer_->Prepare("UPDATE runs SET status = ?2, status_message = ?3, last_update_us = ?4 "
                       "WHERE run_id = ?1"));
  stmt.BindText(1, run_id).Bind(2, int64_t{static_cast<int>(status)}).BindText(3, message);
  stmt.Bind(4, absl::ToUnixMicros(absl::Now()));
  ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
  if (sqlite3_changes(writer_->raw()) == 0) return RunNotFound(run_id);
  // A finished run rarely gets more data: free its ingest state (reloaded if it does).
  ingest_.ForgetRun(std::string(run_id));
  return absl::OkStatus();
}

absl::StatusOr<WriteResult> SqliteStore::Impl::Write(const WriteBatch& batch) {
  PendingWrite self;
  self.batch = &batch;
  queue_mu_.Lock();
  queue_.push_back(&self);
  while (!self.done && queue_.front() != &self) queue_cv_.Wait(&queue_mu_);
  if (self.done) {
    queue_mu_.Unlock();
    return std::move(self.result);
  }
  // Leader: commit everything queued (up to a bound) in one transaction.
  std::vector<PendingWrite*> group;
  size_t histograms = 0;
  for (PendingWrite* p : queue_) {
    if (!group.empty() && (group.size() >= kMaxGroupBatches ||
                           histograms + p->batch->histograms.size() > kMaxGroupHistograms)) {
      break;
    }
    group.push_back(p);
    histograms += p->batch->histograms.size();
  }
  queue_mu_.Unlock();

  std::vector<const WriteBatch*> batches;
  for (PendingWrite* p : group) batches.push_back(p->batch);
  const absl::Time start = absl::Now();
  std::vector<absl::StatusOr<WriteResult>> results = WriteGroupSafely(batches);
  CountGroup(batches, results, absl::Now() - start);

  absl::MutexLock lock(&queue_mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->result = std::move(results[i]);
    group[i]->done = true;
    queue_.pop_front();
  }
  queue_cv_.SignalAll();
  return std::move(self.result);
}

std::vector<absl::StatusOr<WriteResult>> SqliteStore::Impl::WriteGroupSafely(
    const std::vector<const WriteBatch*>& batches) {
  absl::MutexLock lock(&write_mu_);
  absl::Status failure;
  try {
    return ingest_.WriteGroup(writer_.get(), batches);
  } catch (const std::exception& e) {  // std::bad_alloc above all: no write may hang.
    failure = absl::InternalError(absl::StrCat("store: writing a group failed: ", e.what()));
  } catch (...) {
    failure = absl::InternalError("store: writing a group failed with an unknown exception");
  }
  // WriteGroup's transaction rolled back as the exception left it; its cached state of the
  // written runs may be partial, so it is reloaded from the database on next use.
  for (const WriteBatch* batch : batches) ingest_.ForgetRun(batch->run_id);
  return std::vector<absl::StatusOr<WriteResult>>(batches.size(), failure);
}

void SqliteStore::Impl::CountGroup(const std::vector<const WriteBatch*>& batches,
                                   const std::vector<absl::StatusOr<WriteResult>>& results,
                                   absl::Duration latency) {
  absl::Status store_error;
  bool committed = false;
  absl::MutexLock lock(&stats_mu_);
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok()) {
      committed = true;
      stats_.frames_stored += results[i]->histograms_stored;
      stats_.frames_ignored += results[i]->histograms_ignored;
      stats_.frames_conflicting += results[i]->histograms_conflicting;
      stats_.frames_rejected_by_clients += batches[i]->rejected_frames;
      stats_.frames_dropped_by_clients += batches[i]->dropped_frames;
    } else if (IsStoreError(results[i].status()) || absl::IsInternal(results[i].status())) {
      ++stats_.store_errors;
      store_error = results[i].status();
    }
  }
  if (!store_error.ok()) {
    stats_.commit_ok = false;
    stats_.last_error = std::string(store_error.message());
    return;
  }
  if (!committed) return;  // Every batch was refused for its content: nothing was committed.
  stats_.commit_ok = true;
  stats_.last_error.clear();
  ++stats_.commits;
  const double seconds = absl::ToDoubleSeconds(latency);
  stats_.commit_latency_seconds_sum += seconds;
  const size_t bucket =
      std::lower_bound(kCommitLatencyBounds.begin(), kCommitLatencyBounds.end(), seconds) -
      kCommitLatencyBounds.begin();
  ++stats_.commit_latency_buckets[bucket];
}

void SqliteStore::Impl::NoteCommit(const absl::Status& error) {
  absl::MutexLock lock(&stats_mu_);
  stats_.commit_ok = error.ok();
  stats_.last_error = std::string(error.message());
}

StoreStats SqliteStore::Impl::Stats() {
  StoreStats stats;
  {
    absl::MutexLock lock(&stats_mu_);
    stats = stats_;
  }
  {
    absl::MutexLock lock(&queue_mu_);
    stats.queue_depth = static_cast<int64_t>(queue_.size());
  }
  for (const std::string& path : {options_.path, options_.path + "-wal"}) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) stats.database_bytes += st.st_size;
  }
  return stats;
}

absl::Status SqliteStore::Impl::ProbeCommit() {
  absl::Status status = [&]() -> absl::Status {
    absl::MutexLock lock(&write_mu_);
    {
      ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_.get(), true));
      // More than the largest page: the commit must allocate pages, as ingest's do.
      ACTISCOPE_RETURN_IF_ERROR(
          writer_->Exec("INSERT INTO commit_probe(id, data) VALUES(1, zeroblob(65536))"));
      ACTISCOPE_RETURN_IF_ERROR(txn.Commit());
    }
    return writer_->Exec("DELETE FROM commit_probe");
  }();
  NoteCommit(status);
  return status;
}

absl::StatusOr<std::vector<RunInfo>> SqliteStore::Impl::ListRuns(const RunListQuery& query) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryRuns(conn.get(), query, options_.stall_after);
}

absl::StatusOr<RunInfo> SqliteStore::Impl::GetRun(absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryRun(conn.get(), run_id, options_.stall_after);
}

absl::StatusOr<std::vector<LayerInfo>> SqliteStore::Impl::ListLayers(absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryLayers(conn.get(), run_id);
}

absl::StatusOr<std::vector<std::string>> SqliteStore::Impl::ListScalarNames(
    absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryScalarNames(conn.get(), run_id);
}

absl::StatusOr<Heatmap> SqliteStore::Impl::ReadHeatmap(const HeatmapQuery& query) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn.get(), false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn.get(), query.run_id));
  return QueryHeatmap(conn.get(), run_key, query, options_.query_limits,
                      options_.heatmap_from_segments_only);
}

absl::StatusOr<std::vector<ScalarSeries>> SqliteStore::Impl::ReadScalars(const ScalarQuery& query) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryScalars(conn.get(), query);
}

absl::Status SqliteStore::Impl::UpsertAlerts(const std::vector<Alert>& alerts) {
  if (alerts.empty()) return absl::OkStatus();
  absl::MutexLock lock(&write_mu_);
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_.get(), true));
  ACTISCOPE_RETURN_IF_ERROR(UpsertAlertRows(writer_.get(), alerts));
  return txn.Commit();
}

absl::StatusOr<std::vector<Alert>> SqliteStore::Impl::ListAlerts(absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  return QueryAlerts(conn.get(), run_id);
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const StoreOptions& options) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateStoreOptions(options));
  auto impl = std::make_unique<Impl>(options);
  ACTISCOPE_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

const QueryLimits& SqliteStore::query_limits() const { return impl_->query_limits(); }

absl::StatusOr<bool> SqliteStore::CreateRun(const RunInfo& run,
                                            const std::optional<ResumeRequest>& resume) {
  return impl_->CreateRun(run, resume);
}
StoreStats SqliteStore::Stats() { return impl_->Stats(); }
absl::Status SqliteStore::ProbeCommit() { return impl_->ProbeCommit(); }
absl::StatusOr<WriteResult> SqliteStore::Write(const WriteBatch& batch) {
  return impl_->Write(batch);
}
absl::Status SqliteStore::FinishRun(absl::string_view run_id, RunStatus status,
                                    absl::string_view message) {
  return impl_->FinishRun(run_id, status, message);
}
absl::StatusOr<std::vector<RunInfo>> SqliteStore::ListRuns(const RunListQuery& query) {
  return impl_->ListRuns(query);
}
absl::StatusOr<RunInfo> SqliteStore::GetRun(absl::string_view run_id) {
  return impl_->GetRun(run_id);
}
absl::StatusOr<std::vector<LayerInfo>> SqliteStore::ListLayers(absl::string_view run_id) {
  return impl_->ListLayers(run_id);
}
absl::StatusOr<std::vector<std::string>> SqliteStore::ListScalarNames(absl::string_view run_id) {
  return impl_->ListScalarNames(run_id);
}
absl::StatusOr<Heatmap> SqliteStore::ReadHeatmap(const HeatmapQuery& query) {
  return impl_->ReadHeatmap(query);
}
absl::StatusOr<std::vector<ScalarSeries>> SqliteStore::ReadScalars(const ScalarQuery& query) {
  return impl_->ReadScalars(query);
}

absl::Status SqliteStore::UpsertAlerts(const std::vector<Alert>& alerts) {
  return impl_->UpsertAlerts(alerts);
}
absl::StatusOr<std::vector<Alert>> SqliteStore::ListAlerts(absl::string_view run_id) {
  return impl_->ListAlerts(run_id);
}

}  // namespace actiscope::server
