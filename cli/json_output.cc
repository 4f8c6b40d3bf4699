#include "cli/json_output.h"

#include <map>

#include "absl/time/time.h"
#include "cli/wire_names.h"
#include "common/json_writer.h"

namespace actiscope::cli {

namespace {

void WriteTime(const google::protobuf::Timestamp& t, JsonWriter* w) {
  if (t.seconds() == 0 && t.nanos() == 0) {
    w->Null();
    return;
  }
  const absl::Time time = absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
  w->String(absl::FormatTime(absl::RFC3339_full, time, absl::UTCTimeZone()));
}

// Writes the keys of a run object (without the braces), so `show` can add its own.
void WriteRunKeys(const v1::RunSummary& run, JsonWriter* w) {
  w->Key("id");
  w->String(run.run_id());
  w->Key("name");
  w->String(run.name());
  w->Key("status");
  w->String(StatusName(run.status()));
  w->Key("first_step");
  w->Int(run.first_step());
  w->Key("last_step");
  w->Int(run.last_step());
  w->Key("config");
  w->BeginObject();
  const std::map<std::string, std::string> sorted(run.config().begin(), run.config().end());
  for (const auto& [key, value] : sorted) {
    w->Key(key);
    w->String(value);
  }
  w->EndObject();
  w->Key("host");
  w->String(run.host());
  w->Key("device");
  w->String(run.device());
  w->Key("world_size");
  w->Uint(run.world_size());
  w->Key("start_time");
  WriteTime(run.start_time(), w);
  w->Key("last_update");
  WriteTime(run.last_update(), w);
  w->Key("dropped_frames");
  w->Uint(run.dropped_frames());
  w->Key("conflicting_frames");
  w->Uint(run.conflicting_frames());
  w->Key("rejected_frames");
  w->Uint(run.rejected_frames());
  w->Key("alerts");
  w->Uint(run.alert_count());
  w->Key("status_message");
  w->String(run.status_message());
}

void WriteRun(const v1::RunSummary& run, JsonWriter* w) {
  w->BeginObject();
  WriteRunKeys(run, w);
  w->EndObject();
}

void WriteColumn(const v1::HeatmapColumn& c, JsonWriter* w) {
  w->BeginObject();
  w->Key("step_from");
  w->Int(c.step_from());
  w->Key("step_to");
  w->Int(c.step_to());
  w->Key("histograms");
  w->Uint(c.histograms());
  w->Key("counts");
  w->BeginArray();
  for (uint64_t count : c.counts()) w->Uint(count);
  w->EndArray();
  w->Key("below");
  w->Uint(c.below());
  w->Key("above");
  w->Uint(c.above());
  w->Key("zeros");
  w->Uint(c.zeros());
  w->Key("nonfinite");
  w->Uint(c.nonfinite());
  w->Key("elements");
  w->Uint(c.elements());
  w->Key("min");
  w->Double(c.min());
  w->Key("max");
  w->Double(c.max());
  w->Key("sum");
  w->Double(c.sum());
  w->Key("sum_squares");
  w->Double(c.sum_squares());
  w->EndObject();
}

}  // namespace

std::string RunsJson(const v1::ListRunsResponse& response) {
  JsonWriter w;
  w.BeginArray();
  for (const v1::RunSummary& run : response.runs()) WriteRun(run, &w);
  w.EndArray();
  return w.text();
}

std::string RunDetailJson(const v1::RunDetail& detail) {
  JsonWriter w;
  w.BeginObject();
  WriteRunKeys(detail.run(), &w);
  w.Key("layers");
  w.BeginArray();
  for (const v1::LayerInfo& layer : detail.layers()) {
    w.BeginObject();
    w.Key("name");
    w.String(layer.name());
    w.Key("kinds");
    w.BeginArray();
    for (int kind : layer.kinds()) w.String(KindName(static_cast<v1::Kind>(kind)));
    w.EndArray();
    w.Key("ranks");
    w.BeginArray();
    for (uint32_t rank : layer.ranks()) w.Uint(rank);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.Key("scalars");
  w.BeginArray();
  for (const std::string& name : detail.scalar_names()) w.String(name);
  w.EndArray();
  w.EndObject();
  return w.text();
}

std::string HeatmapJson(const v1::Heatmap& heatmap) {
  JsonWriter w;
  w.BeginObject();
  w.Key("run");
  w.String(heatmap.run_id());
  w.Key("layer");
  w.String(heatmap.layer());
  w.Key("kind");
  w.String(KindName(heatmap.kind()));
  w.Key("scale");
  w.String(ScaleName(heatmap.layout().scale()));
  w.Key("bin_edges");
  w.BeginArray();
  for (double edge : heatmap.bin_edges()) w.Double(edge);
  w.EndArray();
  w.Key("columns");
  w.BeginArray();
  for (const v1::HeatmapColumn& column : heatmap.columns()) WriteColumn(column, &w);
  w.EndArray();
  w.EndObject();
  return w.text();
}

std::string ScalarsJson(absl::string_view run_id, const v1::GetScalarsResponse& response) {
  JsonWriter w;
  w.BeginObject();
  w.Key("run");
  w.String(run_id);
  w.Key("series");
  w.BeginArray();
  for (const v1::ScalarSeries& series : response.series()) {
    w.BeginObject();
    w.Key("name");
    w.String(series.name());
    w.Key("steps");
    w.BeginArray();
    for (int64_t step : series.steps()) w.Int(step);
    w.EndArray();
    w.Key("values");
    w.BeginArray();
    for (double value : series.values()) w.Double(value);
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return w.text();
}

std::string RunUpdateJson(const v1::RunUpdate& update) {
  JsonWriter w;
  WriteRun(update.run(), &w);
  return w.text();
}

}  // namespace actiscope::cli
