#include "server/http/http_api.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"

namespace actiscope::server {
namespace {

std::optional<Kind> ParseKind(absl::string_view text) {
  if (text == "activation") return Kind::kActivation;
  if (text == "gradient") return Kind::kGradient;
  if (text == "weight") return Kind::kWeight;
  return std::nullopt;
}

std::string Rfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

HttpReply JsonReply(JsonWriter&& json) {
  HttpReply reply;
  reply.body = std::move(json).Take();
  return reply;
}

constexpr int64_t kMaxStep = int64_t{1} << 53;  // Exact in a JavaScript number.

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
}

HttpApi::HttpApi(SqliteStore* store, HttpApiOptions options) : store_(store), options_(options) {}

HttpReply HttpApi::Get(absl::string_view target) const {
  absl::StatusOr<ParsedTarget> request = ParseTarget(target);
  if (!request.ok()) return ErrorReply(request.status());
  const std::vector<std::string>& s = request->segments;
  if (s.size() >= 2 && s[0] == "api" && s[1] == "runs") {
    if (s.size() == 2) return ListRuns(*request);
    if (s.size() == 3) return ShowRun(s[2]);
    if (s.size() == 4 && s[3] == "heatmap") return Heatmap(s[2], *request);
    if (s.size() == 4 && s[3] == "scalars") return Scalars(s[2], *request);
  }
  return ErrorReply(absl::NotFoundError(absl::StrCat("no API route for ", target.substr(0, 200))));
}

HttpReply HttpApi::ListRuns(const ParsedTarget& request) const {
  absl::StatusOr<int64_t> limit =
      request.IntParam("limit", options_.default_runs, 1, options_.max_runs);
  if (!limit.ok()) return ErrorReply(limit.status());
  absl::StatusOr<std::vector<RunInfo>> runs =
      store_->ListRuns(request.Param("name").value_or(""), static_cast<uint32_t>(*limit));
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
    query.from_step = std::max<int64_t>(0, run.last_step - options_.latest_window_steps);
    query.to_step = -1;
    query.max_points = static_cast<uint32_t>(options_.latest_window_steps + 1);
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
  HeatmapQuery query;
  query.run_id = run_id;
  std::optional<std::string> layer = request.Param("layer");
  if (!layer) return ErrorReply(absl::InvalidArgumentError("parameter layer: required"));
  query.layer = *layer;
  std::optional<Kind> kind = ParseKind(request.Param("kind").value_or("activation"));
  if (!kind) {
    return ErrorReply(
        absl::InvalidArgumentError("parameter kind: expected activation, gradient or weight"));
  }
  query.kind = *kind;
  absl::StatusOr<int64_t> from = request.IntParam("from", 0, 0, kMaxStep);
  if (!from.ok()) return ErrorReply(from.status());
  absl::StatusOr<int64_t> to = request.IntParam("to", -1, -1, kMaxStep);
  if (!to.ok()) return ErrorReply(to.status());
  if (*to >= 0 && *to < *from) {
    return ErrorReply(absl::InvalidArgumentError(
        absl::StrCat("parameters from/to: to (", *to, ") is before from (", *from, ")")));
  }
  absl::StatusOr<int64_t> columns =
      request.IntParam("columns", options_.default_columns, 1, options_.max_columns);
  if (!columns.ok()) return ErrorReply(columns.status());
  query.from_step = *from;
  query.to_step = *to;
  query.max_columns = static_cast<uint32_t>(*columns);
  std::optional<std::string> rank = request.Param("rank");
  if (rank && *rank != "merged") {
    absl::StatusOr<int64_t> value = request.IntParam("rank", 0, 0, UINT32_MAX);
    if (!value.ok()) return ErrorReply(value.status());
    query.rank = static_cast<uint32_t>(*value);
  }
  absl::StatusOr<struct Heatmap> heatmap = store_->ReadHeatmap(query);
  if (!heatmap.ok()) return ErrorReply(heatmap.status());

  const std::vector<HeatmapColumn>& columns_read = heatmap->columns;
  if (columns_read.size() * uint64_t{heatmap->layout.bins} > options_.max_heatmap_cells) {
    return ErrorReply(absl::ResourceExhaustedError(absl::StrCat(
        "heatmap: ", columns_read.size(), " columns x ", heatmap->layout.bins,
        " bins is over the limit of ", options_.max_heatmap_cells, " cells; ask for at most ",
        options_.max_heatmap_cells / heatmap->layout.bins, " columns")));
  }
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
  ScalarQuery query;
  query.run_id = run_id;
  if (std::optional<std::string> names = request.Param("names")) {
    query.names = absl::StrSplit(*names, ',', absl::SkipEmpty());
    if (query.names.size() > options_.max_scalar_names) {
      return ErrorReply(absl::InvalidArgumentError(
          absl::StrCat("parameter names: more than ", options_.max_scalar_names, " names")));
    }
  }
  absl::StatusOr<int64_t> from = request.IntParam("from", 0, 0, kMaxStep);
  if (!from.ok()) return ErrorReply(from.status());
  absl::StatusOr<int64_t> to = request.IntParam("to", -1, -1, kMaxStep);
  if (!to.ok()) return ErrorReply(to.status());
  absl::StatusOr<int64_t> points =
      request.IntParam("points", options_.max_scalar_points, 1, options_.max_scalar_points);
  if (!points.ok()) return ErrorReply(points.status());
  query.from_step = *from;
  query.to_step = *to;
  query.max_points = static_cast<uint32_t>(*points);
  // ReadScalars answers an empty list for an unknown run; say NOT_FOUND instead.
  if (absl::StatusOr<RunInfo> run = store_->GetRun(run_id); !run.ok()) {
    return ErrorReply(run.status());
  }
  absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(query);
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
