#include "server/http/http_api.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/http/alerts_json.h"
#include "server/http/query_params.h"
#include "server/store/query_validation.h"

namespace actiscope::server {
namespace {

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

HttpReply JsonReply(JsonWriter&& json) {
  HttpReply reply;
  reply.body = std::move(json).Take();
  return reply;
}

}  // namespace

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kLive:
      return "live";
    case RunStatus::kFinished:
      return "finished";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kStalled:
      return "stalled";
  }
  return "unknown";
}

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kActivation:
      return "activation";
    case Kind::kGradient:
      return "gradient";
    case Kind::kWeight:
      return "weight";
  }
  return "unknown";
}

int HttpStatusFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 409;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 405;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    default:
      return 500;
  }
}

HttpReply ErrorReply(const absl::Status& status) {
  JsonWriter json;
  json.BeginObject();
  json.Key("error");
  json.String(status.message());
  json.EndObject();
  HttpReply reply = JsonReply(std::move(json));
  reply.status = HttpStatusFor(status);
  return reply;
}

void WriteRunFields(const RunInfo& run, JsonWriter* json) {
  json->Key("id");
  json->String(run.run_id);
  json->Key("name");
  json->String(run.name);
  json->Key("status");
  json->String(RunStatusName(run.status));
  json->Key("status_message");
  json->String(run.status_message);
  json->Key("start_time");
  json->String(Rfc3339(run.start_time));
  json->Key("last_update");
  json->String(Rfc3339(run.last_update));
  json->Key("first_step");
  json->Int(run.first_step);
  json->Key("last_step");
  json->Int(run.last_step);
  json->Key("config");
  json->BeginObject();
  for (const auto& [key, value] : run.config) {
    json->Key(key);
    json->String(value);
  }
  json->EndObject();
  json->Key("host");
  json->String(run.host);
  json->Key("device");
  json->String(run.device);
  json->Key("world_size");
  json->Uint(run.world_size);
  json->Key("dropped_frames");
  json->Uint(run.dropped_frames);
  json->Key("conflicting_frames");
  json->Uint(run.conflicting_frames);
  json->Key("rejected_frames");
  json->Uint(run.rejected_frames);
  json->Key("alerts");
  json->Uint(run.alert_count);
}

HttpApi::HttpApi(SqliteStore* store) : store_(store) {}

HttpReply HttpApi::Get(absl::string_view target) const {
  absl::StatusOr<ParsedTarget> request = ParseTarget(target);
  if (!request.ok()) return ErrorReply(request.status());
  const std::vector<std::string>& s = request->segments;
  if (s.size() == 2 && s[0] == "api" && s[1] == "limits") return Limits();
  if (s.size() >= 2 && s[0] == "api" && s[1] == "runs") {
    if (s.size() == 2) return ListRuns(*request);
    if (s.size() == 3) return ShowRun(s[2]);
    if (s.size() == 4 && s[3] == "heatmap") return Heatmap(s[2], *request);
    if (s.size() == 4 && s[3] == "scalars") return Scalars(s[2], *request);
    if (s.size() == 4 && s[3] == "alerts") return Alerts(s[2]);
  }
  return ErrorReply(absl::NotFoundError(absl::StrCat("no API route for ", target.substr(0, 200))));
}

HttpReply HttpApi::Limits() const {
  const QueryLimits& limits = store_->query_limits();
  JsonWriter json;
  auto field = [&](const char* key, uint64_t value) {
    json.Key(key);
    json.Uint(value);
  };
  json.BeginObject();
  json.Key("runs");
  json.BeginObject();
  field("default_limit", DefaultRunLimit(limits));
  field("max_limit", limits.max_runs_listed);
  json.EndObject();
  json.Key("heatmap");
  json.BeginObject();
  field("default_columns", DefaultHeatmapColumns(limits));
  field("max_columns", limits.max_heatmap_columns);
  field("max_cells", limits.max_heatmap_cells);
  json.EndObject();
  json.Key("scalars");
  json.BeginObject();
  field("default_points", DefaultScalarPoints(limits));
  field("max_points", limits.max_scalar_points);
  field("max_names", ScalarQuery::kMaxNames);
  json.EndObject();
  json.EndObject();
  return JsonReply(std::move(json));
}

HttpReply HttpApi::ListRuns(const ParsedTarget& request) const {
  absl::StatusOr<RunListQuery> query = ParseRunListParams(request, store_->query_limits());
  if (!query.ok()) return ErrorReply(query.status());
  absl::StatusOr<std::vector<RunInfo>> runs = store_->ListRuns(*query);
  if (!runs.ok()) return ErrorReply(runs.status());
  JsonWriter json;
  json.BeginArray();
  for (const RunInfo& run : *runs) {
    json.BeginObject();
    WriteRunFields(run, &json);
    WriteLatestScalars(run, &json);
    json.EndObject();
  }
  json.EndArray();
  return JsonReply(std::move(json));
}

void HttpApi::WriteLatestScalars(const RunInfo& run, JsonWriter* json) const {
  json->Key("latest");
  json->BeginObject();
  if (run.last_step >= 0) {
    ScalarQuery query;
    query.run_id = run.run_id;
    // As many steps as one answer's points, so the last point is not a downsampled mean.
    const uint32_t points = store_->query_limits().max_scalar_points;
    query.from_step = std::max<int64_t>(0, run.last_step - (int64_t{points} - 1));
    query.to_step = -1;
    query.max_points = points;
    absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(query);
    if (series.ok()) {
      for (const ScalarSeries& one : *series) {
        if (one.steps.empty()) continue;
        json->Key(one.name);
        json->BeginObject();
        json->Key("step");
        json->Int(one.steps.back());
        json->Key("value");
        json->Double(one.values.back());
        json->EndObject();
      }
    }
  }
  json->EndObject();
}

HttpReply HttpApi::Alerts(const std::string& run_id) const {
  absl::StatusOr<std::vector<Alert>> alerts = store_->ListAlerts(run_id);
  if (!alerts.ok()) return ErrorReply(alerts.status());
  JsonWriter json;
  WriteAlertsJson(*alerts, &json);
  return JsonReply(std::move(json));
}

HttpReply HttpApi::ShowRun(const std::string& run_id) const {
  absl::StatusOr<RunInfo> run = store_->GetRun(run_id);
  if (!run.ok()) return ErrorReply(run.status());
  absl::StatusOr<std::vector<LayerInfo>> layers = store_->ListLayers(run_id);
  if (!layers.ok()) return ErrorReply(layers.status());
  absl::StatusOr<std::vector<std::string>> scalars = store_->ListScalarNames(run_id);
  if (!scalars.ok()) return ErrorReply(scalars.status());
  JsonWriter json;
  json.BeginObject();
  WriteRunFields(*run, &json);
  WriteLatestScalars(*run, &json);
  json.Key("layers");
  json.BeginArray();
  for (const LayerInfo& layer : *layers) {
    json.BeginObject();
    json.Key("name");
    json.String(layer.name);
    json.Key("kinds");
    json.BeginArray();
    for (Kind kind : layer.kinds) json.String(KindName(kind));
    json.EndArray();
    json.Key("ranks");
    json.BeginArray();
    for (uint32_t rank : layer.ranks) json.Uint(rank);
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.Key("scalars");
  json.BeginArray();
  for (const std::string& name : *scalars) json.String(name);
  json.EndArray();
  json.EndObject();
  return JsonReply(std::move(json));
}

HttpReply HttpApi::Heatmap(const std::string& run_id, const ParsedTarget& request) const {
  absl::StatusOr<HeatmapQuery> parsed = ParseHeatmapParams(run_id, request, store_->query_limits());
  if (!parsed.ok()) return ErrorReply(parsed.status());
  const HeatmapQuery& query = *parsed;
  // The store refuses a heatmap over --max_heatmap_cells before reading it.
  absl::StatusOr<struct Heatmap> heatmap = store_->ReadHeatmap(query);
  if (!heatmap.ok()) return ErrorReply(heatmap.status());

  const std::vector<HeatmapColumn>& columns_read = heatmap->columns;
  JsonWriter json;
  json.BeginObject();
  json.Key("layer");
  json.String(query.layer);
  json.Key("kind");
  json.String(KindName(query.kind));
  json.Key("rank");
  if (query.rank) {
    json.Uint(*query.rank);
  } else {
    json.String("merged");
  }
  json.Key("scale");
  json.String(heatmap->layout.scale == BinScale::kLogMagnitude ? "log_magnitude" : "linear");
  json.Key("bins");
  json.Uint(heatmap->layout.bins);
  json.Key("bin_edges");
  json.BeginArray();
  for (double edge : heatmap->bin_edges) json.Double(edge);
  json.EndArray();
  auto column_ints = [&](const char* key, auto field) {
    json.Key(key);
    json.BeginArray();
    for (const HeatmapColumn& column : columns_read) json.Int(static_cast<int64_t>(field(column)));
    json.EndArray();
  };
  auto column_doubles = [&](const char* key, auto field) {
    json.Key(key);
    json.BeginArray();
    for (const HeatmapColumn& column : columns_read) json.Double(field(column));
    json.EndArray();
  };
  column_ints("step_from", [](const HeatmapColumn& c) { return c.step_from; });
  column_ints("step_to", [](const HeatmapColumn& c) { return c.step_to; });
  json.Key("counts");
  json.BeginArray();
  for (const HeatmapColumn& column : columns_read) {
    for (uint32_t bin = 0; bin < heatmap->layout.bins; ++bin) {
      json.Uint(bin < column.sums.counts.size() ? column.sums.counts[bin] : 0);
    }
  }
  json.EndArray();
  column_ints("below", [](const HeatmapColumn& c) { return c.sums.below; });
  column_ints("above", [](const HeatmapColumn& c) { return c.sums.above; });
  column_ints("zeros", [](const HeatmapColumn& c) { return c.sums.zeros; });
  column_ints("nonfinite", [](const HeatmapColumn& c) { return c.sums.nonfinite; });
  column_ints("elements", [](const HeatmapColumn& c) { return c.sums.elements; });
  column_doubles("sum", [](const HeatmapColumn& c) { return c.sums.sum; });
  column_doubles("sum_squares", [](const HeatmapColumn& c) { return c.sums.sum_squares; });
  column_doubles("min", [](const HeatmapColumn& c) { return c.sums.min; });
  column_doubles("max", [](const HeatmapColumn& c) { return c.sums.max; });
  json.EndObject();
  return JsonReply(std::move(json));
}

HttpReply HttpApi::Scalars(const std::string& run_id, const ParsedTarget& request) const {
  absl::StatusOr<ScalarQuery> query = ParseScalarParams(run_id, request, store_->query_limits());
  if (!query.ok()) return ErrorReply(query.status());
  absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(*query);
  if (!series.ok()) return ErrorReply(series.status());
  JsonWriter json;
  json.BeginObject();
  json.Key("scalars");
  json.BeginArray();
  for (const ScalarSeries& one : *series) {
    json.BeginObject();
    json.Key("name");
    json.String(one.name);
    json.Key("steps");
    json.BeginArray();
    for (int64_t step : one.steps) json.Int(step);
    json.EndArray();
    json.Key("values");
    json.BeginArray();
    for (double value : one.values) json.Double(value);
    json.EndArray();
    json.EndObject();
  }
  json.EndArray();
  json.EndObject();
  return JsonReply(std::move(json));
}

}  // namespace actiscope::server
