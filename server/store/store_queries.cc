#include "server/store/store_queries.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "common/varint.h"

namespace actiscope::server {
namespace {

// The distinct steps of scalar ?2 of run ?1 in [?3, ?4].
constexpr const char* kScalarPointsSql =
    "SELECT count(*) FROM (SELECT step FROM scalars WHERE run_key = ?1 AND name = ?2 "
    "AND step BETWEEN ?3 AND ?4 GROUP BY step)";

// Scalar ?2 of run ?1 in [?3, ?4]: the mean over ranks at each step (point i in step order),
// then the mean of each run of ?5 consecutive points (i / ?5), at the run's first step. SQLite
// streams the rows (spilling its sorts to temporary files past its cache), so only the
// downsampled points reach memory.
constexpr const char* kScalarSeriesSql =
    "SELECT min(step), avg(v) FROM (SELECT step, avg(value) AS v, "
    "row_number() OVER (ORDER BY step) - 1 AS i FROM scalars WHERE run_key = ?1 AND name = ?2 "
    "AND step BETWEEN ?3 AND ?4 GROUP BY step) GROUP BY i / ?5 ORDER BY 1";

constexpr const char* kRunColumns =
    "run_key, run_id, name, config, host, device, world_size, start_time_us, last_update_us, "
    "status, status_message, first_step, last_step, dropped_frames, conflicting_frames, "
    "rejected_frames, (SELECT count(*) FROM alerts WHERE alerts.run_key = runs.run_key)";

std::map<std::string, std::string> DecodeConfig(absl::string_view data) {
  std::map<std::string, std::string> config;
  size_t pos = 0;
  while (pos < data.size()) {
    uint64_t n;
    if (!GetVarint(data, &pos, &n) || n > data.size() - pos) break;
    std::string key(data.substr(pos, n));
    pos += n;
    if (!GetVarint(data, &pos, &n) || n > data.size() - pos) break;
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
  run.conflicting_frames = static_cast<uint64_t>(stmt.Int(14));
  run.rejected_frames = static_cast<uint64_t>(stmt.Int(15));
  run.alert_count = static_cast<uint64_t>(stmt.Int(16));
  if (run.status == RunStatus::kLive && now - run.last_update > stall_after) {
    run.status = RunStatus::kStalled;
  }
  return run;
}

}  // namespace

std::string EncodeConfig(const std::map<std::string, std::string>& config) {
  std::string out;
  for (const auto& [key, value] : config) {
    PutVarint(key.size(), &out);
    out += key;
    PutVarint(value.size(), &out);
    out += value;
  }
  return out;
}

absl::Status RunNotFound(absl::string_view run_id) {
  return absl::NotFoundError(absl::StrCat("run not found: '", run_id, "'"));
}

absl::StatusOr<int64_t> RunKey(Connection* conn, absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare("SELECT run_key FROM runs WHERE run_id = ?1"));
  stmt.BindText(1, run_id);
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return RunNotFound(run_id);
  return stmt.Int(0);
}

absl::StatusOr<std::vector<RunInfo>> QueryRuns(Connection* conn, const RunListQuery& query,
                                               absl::Duration stall_after) {
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(absl::StrCat("SELECT ", kRunColumns,
                                 " FROM runs WHERE instr(name, ?1) > 0 "
                                 "ORDER BY start_time_us DESC, run_key DESC LIMIT ?2")));
  stmt.BindText(1, query.name_contains).Bind(2, int64_t{query.limit});
  const absl::Time now = absl::Now();
  std::vector<RunInfo> runs;
  for (;;) {
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return runs;
    runs.push_back(ReadRunRow(stmt, stall_after, now));
  }
}

absl::StatusOr<RunInfo> QueryRun(Connection* conn, absl::string_view run_id,
                                 absl::Duration stall_after) {
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(absl::StrCat("SELECT ", kRunColumns, " FROM runs WHERE run_id = ?1")));
  stmt.BindText(1, run_id);
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return RunNotFound(run_id);
  return ReadRunRow(stmt, stall_after, absl::Now());
}

absl::StatusOr<std::vector<LayerInfo>> QueryLayers(Connection* conn, absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn, false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn, run_id));
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

absl::StatusOr<std::vector<std::string>> QueryScalarNames(Connection* conn,
                                                          absl::string_view run_id) {
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn, false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn, run_id));
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

absl::StatusOr<std::vector<ScalarSeries>> QueryScalars(Connection* conn, const ScalarQuery& query) {
  ACTISCOPE_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(conn, false));
  ACTISCOPE_ASSIGN_OR_RETURN(int64_t run_key, RunKey(conn, query.run_id));
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
  const int64_t max_points = query.max_points;
  std::vector<ScalarSeries> result;
  for (const std::string& name : names) {
    int64_t points = 0;  // Distinct steps in range: the series before downsampling.
    {
      ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(kScalarPointsSql));
      stmt.Bind(1, run_key).BindText(2, name).Bind(3, query.from_step).Bind(4, to);
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) points = stmt.Int(0);
    }
    ScalarSeries series;
    series.name = name;
    ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt, conn->Prepare(kScalarSeriesSql));
    stmt.Bind(1, run_key).BindText(2, name).Bind(3, query.from_step).Bind(4, to);
    stmt.Bind(5, (points + max_points - 1) / max_points);  // >= 1 when there are points.
    for (;;) {
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      series.steps.push_back(stmt.Int(0));
      series.values.push_back(stmt.Double(1));
    }
    result.push_back(std::move(series));
  }
  return result;
}

}  // namespace actiscope::server
