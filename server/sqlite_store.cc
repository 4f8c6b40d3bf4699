#include "server/sqlite_store.h"

#include <algorithm>
#include <deque>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "proto/bin_layout.h"
#include "proto/histogram_codec.h"
#include "proto/status_macros.h"
#include "server/heatmap_reader.h"
#include "server/schema.h"
#include "server/series_state.h"
#include "server/sqlite_handle.h"
#include "server/ingest_writer.h"

namespace actiscope::server {
namespace {

constexpr const char* kRunColumns =
    "run_key, run_id, name, config, host, device, world_size, start_time_us, last_update_us, "
    "status, status_message, first_step, last_step, dropped_frames";

std::string EncodeConfig(const std::map<std::string, std::string>& config) {
  std::string out;
  for (const auto& [key, value] : config) {
    codec::PutVarint(key.size(), &out);
    out += key;
    codec::PutVarint(value.size(), &out);
    out += value;
  }
  return out;
}

std::map<std::string, std::string> DecodeConfig(absl::string_view data) {
  std::map<std::string, std::string> config;
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t n;
    if (!codec::GetVarint(data, &pos, &n) || n > data.size() - pos) break;
    std::string key(data.substr(pos, n));
    pos += n;
    if (!codec::GetVarint(data, &pos, &n) || n > data.size() - pos) break;
    config[std::move(key)] = std::string(data.substr(pos, n));
    pos += n;
  }
  return config;
}

// Reads a row selected with kRunColumns.
RunInfo ReadRunRow(const Statement& stmt, absl::Duration stall_after, absl::Time now) {
  RunInfo run;
  run.run_id = std::string(stmt.Text(1));
  run.name = std::string(stmt.Text(2));
  run.config = DecodeConfig(stmt.Blob(3));
  run.host = std::string(stmt.Text(4));
  run.device = std::string(stmt.Text(5));
  run.world_size = static_cast<uint32_t>(stmt.Int(6));
  run.start_time = absl::FromUnixMicros(stmt.Int(7));
  run.last_update = absl::FromUnixMicros(stmt.Int(8));
  run.status = static_cast<RunStatus>(stmt.Int(9));
  run.status_message = std::string(stmt.Text(10));
  run.first_step = stmt.Int(11);
  run.last_step = stmt.Int(12);
  run.dropped_frames = static_cast<uint64_t>(stmt.Int(13));
  if (run.status == RunStatus::kLive && now - run.last_update > stall_after) {
    run.status = RunStatus::kStalled;
  }
  return run;
}

v1::BinLayout ToProtoLayout(const BinLayout& layout) {
  v1::BinLayout out;
  out.set_scale(static_cast<v1::BinScale>(layout.scale));
  out.set_bins(layout.bins);
  out.set_lo(layout.lo);
  out.set_hi(layout.hi);
  return out;
}

absl::Status RunNotFound(absl::string_view run_id) {
  return absl::NotFoundError(absl::StrCat("run not found: '", run_id, "'"));
}

}  // namespace

class SqliteStore::Impl {
 public:
  explicit Impl(const StoreOptions& options) : options_(options) {}

  absl::Status Init() {
    absl::MutexLock lock(&write_mu_);
    ACTISCOPE_ASSIGN_OR_RETURN(writer_, Connection::Open(options_.path, /*read_only=*/false,
                                                         Synchronous(), options_.page_size));
    return MigrateSchema(writer_.get());
  }

  absl::StatusOr<bool> CreateRun(const RunInfo& run, std::optional<int64_t> resume_from_step);
  absl::StatusOr<WriteResult> Write(const WriteBatch& batch);
  absl::Status FinishRun(absl::string_view run_id, RunStatus status, absl::string_view message);
  absl::StatusOr<std::vector<RunInfo>> ListRuns(absl::string_view name_contains,
                                                uint32_t limit);
  absl::StatusOr<RunInfo> GetRun(absl::string_view run_id);
  absl::StatusOr<std::vector<LayerInfo>> ListLayers(absl::string_view run_id);
  absl::StatusOr<std::vector<std::string>> ListScalarNames(absl::string_view run_id);
  absl::StatusOr<Heatmap> ReadHeatmap(const HeatmapQuery& query);
  absl::StatusOr<std::vector<ScalarSeries>> ReadScalars(const ScalarQuery& query);

 private:
  // A query connection, returned to the pool when destroyed.
  class Reader {
   public:
    Reader(Impl* impl, std::unique_ptr<Connection> conn) : impl_(impl), conn_(std::move(conn)) {}
    Reader(Reader&&) = default;
    ~Reader() {
      if (conn_ != nullptr) impl_->Release(std::move(conn_));
    }
    Connection* operator->() const { return conn_.get(); }
    Connection* get() const { return conn_.get(); }

   private:
    Impl* impl_;
    std::unique_ptr<Connection> conn_;
  };

  absl::string_view Synchronous() const {
    return options_.durable_against_power_loss ? "FULL" : "NORMAL";
  }
  absl::StatusOr<Reader> Acquire();
  void Release(std::unique_ptr<Connection> conn);
  static absl::StatusOr<int64_t> RunKey(Connection* conn, absl::string_view run_id);

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

  absl::Mutex pool_mu_;
  std::vector<std::unique_ptr<Connection>> idle_readers_ ABSL_GUARDED_BY(pool_mu_);
};

absl::StatusOr<SqliteStore::Impl::Reader> SqliteStore::Impl::Acquire() {
  {
    absl::MutexLock lock(&pool_mu_);
    if (!idle_readers_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return Reader(this, std::move(conn));
    }
  }
  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<Connection> conn,
                             Connection::Open(options_.path, /*read_only=*/true, Synchronous()));
  return Reader(this, std::move(conn));
}

void SqliteStore::Impl::Release(std::unique_ptr<Connection> conn) {
  absl::MutexLock lock(&pool_mu_);
  if (static_cast<int>(idle_readers_.size()) < options_.read_connections) {
    idle_readers_.push_back(std::move(conn));
  }
}

absl::StatusOr<int64_t> SqliteStore::Impl::RunKey(Connection* conn, absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare("SELECT run_key FROM runs WHERE run_id = ?1"));
  stmt.BindText(1, run_id);
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return RunNotFound(run_id);
  return stmt.Int(0);
}

absl::StatusOr<bool> SqliteStore::Impl::CreateRun(const RunInfo& run,
                                                  std::optional<int64_t> resume_from_step) {
  if (run.run_id.empty()) return absl::InvalidArgumentError("run id: must not be empty");
  if (resume_from_step.has_value() && *resume_from_step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("resume_from_step: must be >= 0, got ", *resume_from_step));
  }
  absl::MutexLock lock(&write_mu_);
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(writer_.get(), true));
  absl::StatusOr<int64_t> existing = RunKey(writer_.get(), run.run_id);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();
  const int64_t now_us = absl::ToUnixMicros(absl::Now());
  bool created = false;
  if (existing.ok()) {
    if (resume_from_step.has_value()) {
      ACTISCOPE_RETURN_IF_ERROR(ingest_.DeleteFromStep(writer_.get(), *existing, *resume_from_step));
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          writer_->Prepare("UPDATE runs SET status = ?2, status_message = '', "
                           "last_update_us = ?3 WHERE run_key = ?1"));
      stmt.Bind(1, *existing).Bind(2, int64_t{static_cast<int>(RunStatus::kLive)}).Bind(3, now_us);
      ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    }
  } else {
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
    created = true;
  }
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
  std::vector<absl::StatusOr<WriteResult>> results;
  {
    absl::MutexLock lock(&write_mu_);
    results = ingest_.WriteGroup(writer_.get(), batches);
  }

  absl::MutexLock lock(&queue_mu_);
  for (size_t i = 0; i < group.size(); ++i) {
    group[i]->result = std::move(results[i]);
    group[i]->done = true;
    queue_.pop_front();
  }
  queue_cv_.SignalAll();
  return std::move(self.result);
}

absl::StatusOr<std::vector<RunInfo>> SqliteStore::Impl::ListRuns(absl::string_view name_contains,
                                                                 uint32_t limit) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE instr(name, ?1) > 0 "
                                 "ORDER BY start_time_us DESC, run_key DESC LIMIT ?2")));
  stmt.BindText(1, name_contains).Bind(2, int64_t{limit == 0 ? 1000 : limit});
  const absl::Time now = absl::Now();
  std::vector<RunInfo> runs;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return runs;
    runs.push_back(ReadRunRow(stmt, options_.stall_after, now));
  }
}

absl::StatusOr<RunInfo> SqliteStore::Impl::GetRun(absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE run_id = ?1")));
  stmt.BindText(1, run_id);
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return RunNotFound(run_id);
  return ReadRunRow(stmt, options_.stall_after, absl::Now());
}

absl::StatusOr<std::vector<LayerInfo>> SqliteStore::Impl::ListLayers(absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn.get(), false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn.get(), run_id));
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("SELECT layer, kind, rank FROM series WHERE run_key = ?1 ORDER BY series_id"));
  stmt.Bind(1, run_key);
  std::vector<LayerInfo> layers;
  absl::flat_hash_map<std::string, size_t> index;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    const std::string layer(stmt.Text(0));
    auto [it, inserted] = index.try_emplace(layer, layers.size());
    if (inserted) layers.push_back(LayerInfo{layer, {}, {}});
    LayerInfo& info = layers[it->second];
    const Kind kind = static_cast<Kind>(stmt.Int(1));
    const uint32_t rank = static_cast<uint32_t>(stmt.Int(2));
    if (std::find(info.kinds.begin(), info.kinds.end(), kind) == info.kinds.end()) {
      info.kinds.push_back(kind);
    }
    if (std::find(info.ranks.begin(), info.ranks.end(), rank) == info.ranks.end()) {
      info.ranks.push_back(rank);
    }
  }
  for (LayerInfo& info : layers) {
    std::sort(info.kinds.begin(), info.kinds.end());
    std::sort(info.ranks.begin(), info.ranks.end());
  }
  return layers;
}

absl::StatusOr<std::vector<std::string>> SqliteStore::Impl::ListScalarNames(
    absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn.get(), false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn.get(), run_id));
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("SELECT DISTINCT name FROM scalars WHERE run_key = ?1 ORDER BY name"));
  stmt.Bind(1, run_key);
  std::vector<std::string> names;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return names;
    names.emplace_back(stmt.Text(0));
  }
}

absl::StatusOr<Heatmap> SqliteStore::Impl::ReadHeatmap(const HeatmapQuery& query) {
  if (query.max_columns < 1 || query.max_columns > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("heatmap: max_columns must be in [1, 10000], got ", query.max_columns));
  }
  if (query.from_step < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("heatmap: from_step must be >= 0, got ", query.from_step));
  }
  if (query.to_step >= 0 && query.from_step > query.to_step) {
    return absl::InvalidArgumentError(absl::StrCat("heatmap: from_step ", query.from_step,
                                                   " is after to_step ", query.to_step));
  }
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn.get(), false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn.get(), query.run_id));
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(absl::StrCat("SELECT series_id, rank, scale, bins, lo, hi, ",
                                 kSeriesLastStepSql, " FROM series WHERE run_key = ?1 AND "
                                 "layer = ?2 AND kind = ?3 ORDER BY series_id")));
  stmt.Bind(1, run_key).BindText(2, query.layer).Bind(3, int64_t{static_cast<int>(query.kind)});
  Heatmap heatmap;
  std::vector<SeriesRef> series;
  int64_t last_step = -1;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) break;
    if (query.rank.has_value() && static_cast<uint32_t>(stmt.Int(1)) != *query.rank) continue;
    heatmap.layout.scale = static_cast<BinScale>(stmt.Int(2));
    heatmap.layout.bins = static_cast<uint32_t>(stmt.Int(3));
    heatmap.layout.lo = stmt.Double(4);
    heatmap.layout.hi = stmt.Double(5);
    series.push_back(SeriesRef{stmt.Int(0), heatmap.layout.bins, stmt.Int(6)});
    last_step = std::max(last_step, stmt.Int(6));
  }
  if (series.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "heatmap: run '", query.run_id, "' has no layer '", query.layer, "' of kind ",
        static_cast<int>(query.kind),
        query.rank.has_value() ? absl::StrCat(" for rank ", *query.rank) : std::string()));
  }
  heatmap.bin_edges = BinEdges(ToProtoLayout(heatmap.layout));
  const int64_t to = query.to_step >= 0 ? std::min(query.to_step, last_step) : last_step;
  if (to < query.from_step) return heatmap;
  const ColumnPlan plan = PlanColumns(query.from_step, to, query.max_columns);
  std::vector<StepRangeSums> columns(plan.columns);
  for (const SeriesRef& s : series) {
    ACTISCOPE_RETURN_IF_ERROR(
        ReadSeriesColumns(conn.get(), s, plan, options_.heatmap_from_segments_only, &columns));
  }
  for (StepRangeSums& c : columns) {
    if (c.empty()) continue;
    heatmap.columns.push_back(HeatmapColumn{c.step_from, c.step_to, c.histograms,
                                            std::move(c.sums)});
  }
  return heatmap;
}

absl::StatusOr<std::vector<ScalarSeries>> SqliteStore::Impl::ReadScalars(
    const ScalarQuery& query) {
  ACTISCOPE_ASSIGN_OR_RETURN(Reader conn, Acquire());
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn.get(), false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn.get(), query.run_id));
  std::vector<std::string> names = query.names;
  if (names.empty()) {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT DISTINCT name FROM scalars WHERE run_key = ?1 ORDER BY name"));
    stmt.Bind(1, run_key);
    for (;;) {
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      names.emplace_back(stmt.Text(0));
    }
  }
  const int64_t to = query.to_step < 0 ? std::numeric_limits<int64_t>::max() : query.to_step;
  const size_t max_points = query.max_points == 0 ? 10000 : query.max_points;
  std::vector<ScalarSeries> result;
  for (const std::string& name : names) {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("SELECT step, avg(value) FROM scalars WHERE run_key = ?1 AND name = ?2 "
                      "AND step BETWEEN ?3 AND ?4 GROUP BY step ORDER BY step"));
    stmt.Bind(1, run_key).BindText(2, name).Bind(3, query.from_step).Bind(4, to);
    ScalarSeries series;
    series.name = name;
    for (;;) {
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      series.steps.push_back(stmt.Int(0));
      series.values.push_back(stmt.Double(1));
    }
    if (series.steps.size() > max_points) {
      // Mean of each run of `group` consecutive points, at the run's first step.
      const size_t group = (series.steps.size() + max_points - 1) / max_points;
      ScalarSeries down;
      down.name = name;
      for (size_t i = 0; i < series.steps.size(); i += group) {
        const size_t end = std::min(series.steps.size(), i + group);
        double total = 0;
        for (size_t j = i; j < end; ++j) total += series.values[j];
        down.steps.push_back(series.steps[i]);
        down.values.push_back(total / static_cast<double>(end - i));
      }
      series = std::move(down);
    }
    result.push_back(std::move(series));
  }
  return result;
}

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const StoreOptions& options) {
  auto impl = std::make_unique<Impl>(options);
  ACTISCOPE_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

absl::StatusOr<bool> SqliteStore::CreateRun(const RunInfo& run,
                                            std::optional<int64_t> resume_from_step) {
  return impl_->CreateRun(run, resume_from_step);
}
absl::StatusOr<WriteResult> SqliteStore::Write(const WriteBatch& batch) {
  return impl_->Write(batch);
}
absl::Status SqliteStore::FinishRun(absl::string_view run_id, RunStatus status,
                                    absl::string_view message) {
  return impl_->FinishRun(run_id, status, message);
}
absl::StatusOr<std::vector<RunInfo>> SqliteStore::ListRuns(absl::string_view name_contains,
                                                           uint32_t limit) {
  return impl_->ListRuns(name_contains, limit);
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

}  // namespace actiscope::server
