#include "server/grpc/proto_convert.h"

#include <string>
#include <utility>

#include "proto/layout_convert.h"
#include "server/alerts/alert_rules.h"

namespace actiscope::server {

absl::Time FromProto(const google::protobuf::Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void ToProto(absl::Time t, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(seconds))));
}

Kind FromProto(v1::Kind kind) {
  switch (kind) {
    case v1::KIND_GRADIENT:
      return Kind::kGradient;
    case v1::KIND_WEIGHT:
      return Kind::kWeight;
    default:
      return Kind::kActivation;
  }
}

v1::Kind ToProto(Kind kind) { return static_cast<v1::Kind>(kind); }

RunStatus FromProto(v1::RunStatus status) {
  switch (status) {
    case v1::RUN_STATUS_FINISHED:
      return RunStatus::kFinished;
    case v1::RUN_STATUS_FAILED:
      return RunStatus::kFailed;
    case v1::RUN_STATUS_STALLED:
      return RunStatus::kStalled;
    default:
      return RunStatus::kLive;
  }
}

v1::RunStatus ToProto(RunStatus status) { return static_cast<v1::RunStatus>(status); }

RunInfo FromRunSpec(const v1::RunSpec& spec, absl::Time now) {
  RunInfo run;
  run.run_id = spec.run_id();
  run.name = spec.name();
  run.config.insert(spec.config().begin(), spec.config().end());
  run.host = spec.host();
  run.device = spec.device();
  run.world_size = spec.world_size() == 0 ? 1 : spec.world_size();
  run.start_time = spec.has_start_time() ? FromProto(spec.start_time()) : now;
  run.last_update = now;
  return run;
}

void ToRunSummary(const RunInfo& run, v1::RunSummary* out) {
  out->set_run_id(run.run_id);
  out->set_name(run.name);
  out->set_status(ToProto(run.status));
  out->mutable_config()->insert(run.config.begin(), run.config.end());
  out->set_host(run.host);
  out->set_device(run.device);
  out->set_world_size(run.world_size);
  ToProto(run.start_time, out->mutable_start_time());
  ToProto(run.last_update, out->mutable_last_update());
  out->set_first_step(run.first_step);
  out->set_last_step(run.last_step);
  out->set_dropped_frames(run.dropped_frames);
  out->set_conflicting_frames(run.conflicting_frames);
  out->set_rejected_frames(run.rejected_frames);
  out->set_status_message(run.status_message);
  out->set_alert_count(run.alert_count);
}

void ToAlertProto(const Alert& alert, v1::Alert* out) {
  out->set_layer(alert.layer);
  out->set_kind(ToProto(alert.kind));
  out->set_rank(alert.rank);
  // AlertType and AlertSeverity values match the wire enums (store_types.h).
  out->set_type(static_cast<v1::AlertType>(alert.type));
  out->set_severity(static_cast<v1::AlertSeverity>(alert.severity));
  out->set_first_step(alert.first_step);
  out->set_last_step(alert.last_step);
  out->set_cleared(alert.cleared);
  out->set_value(alert.value);
  out->set_threshold(alert.threshold);
  out->set_message(alert.message);
}

void ToAlertNotice(const Alert& alert, v1::AlertNotice* out) {
  out->set_rank(alert.rank);
  out->set_kind(ToProto(alert.kind));
  out->set_layer(alert.layer);
  out->set_type(std::string(AlertTypeName(alert.type)));
  out->set_severity(std::string(AlertSeverityName(alert.severity)));
  out->set_first_step(alert.first_step);
  out->set_step(alert.last_step);
  out->set_value(alert.value);
  out->set_threshold(alert.threshold);
  out->set_message(alert.message);
}

Histogram TakeHistogram(v1::Frame* frame, std::vector<uint64_t> counts) {
  Histogram h;
  h.layer = std::move(*frame->mutable_layer());
  h.kind = FromProto(frame->kind());
  h.step = frame->step();
  h.rank = frame->rank();
  h.layout = FromWire(frame->layout());
  const v1::HistogramStats& st = frame->stats();
  h.values.counts = std::move(counts);
  h.values.below = st.below();
  h.values.above = st.above();
  h.values.zeros = st.zeros();
  h.values.nonfinite = st.nonfinite();
  h.values.elements = st.elements();
  h.values.sum = st.sum();
  h.values.sum_squares = st.sum_squares();
  h.values.min = st.min();
  h.values.max = st.max();
  return h;
}

ScalarPoint TakeScalar(v1::Scalar* scalar) {
  ScalarPoint p;
  p.name = std::move(*scalar->mutable_name());
  p.step = scalar->step();
  p.rank = scalar->rank();
  p.value = scalar->value();
  return p;
}

void ToLayerInfo(const LayerInfo& layer, v1::LayerInfo* out) {
  out->set_name(layer.name);
  for (Kind kind : layer.kinds) out->add_kinds(ToProto(kind));
  out->mutable_ranks()->Add(layer.ranks.begin(), layer.ranks.end());
}

void ToHeatmapProto(const HeatmapQuery& query, const Heatmap& heatmap, v1::Heatmap* out) {
  out->set_run_id(query.run_id);
  out->set_layer(query.layer);
  out->set_kind(ToProto(query.kind));
  ToWire(heatmap.layout, out->mutable_layout());
  out->mutable_bin_edges()->Add(heatmap.bin_edges.begin(), heatmap.bin_edges.end());
  out->mutable_columns()->Reserve(static_cast<int>(heatmap.columns.size()));
  for (const HeatmapColumn& column : heatmap.columns) {
    v1::HeatmapColumn* c = out->add_columns();
    const HistogramSums& s = column.sums;
    c->set_step_from(column.step_from);
    c->set_step_to(column.step_to);
    c->set_histograms(column.histograms);
    c->mutable_counts()->Add(s.counts.begin(), s.counts.end());
    c->set_below(s.below);
    c->set_above(s.above);
    c->set_zeros(s.zeros);
    c->set_nonfinite(s.nonfinite);
    c->set_elements(s.elements);
    c->set_sum(s.sum);
    c->set_sum_squares(s.sum_squares);
    c->set_min(s.min);
    c->set_max(s.max);
  }
}

void ToScalarSeriesProto(const ScalarSeries& series, v1::ScalarSeries* out) {
  out->set_name(series.name);
  out->mutable_steps()->Add(series.steps.begin(), series.steps.end());
  out->mutable_values()->Add(series.values.begin(), series.values.end());
}

}  // namespace actiscope::server
