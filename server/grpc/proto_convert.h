// Conversions between the wire contract (actiscope.v1 protos) and the plain structs of
// server/store/store_types.h. Protobuf types stop here: the services call these (the bin layout
// converts with ToWire/FromWire of proto/layout_convert.h, as in the client and the codec), and
// storage, the HTTP API and the query logic see only the structs and actiscope::BinLayout. No
// validation happens here; query requests are parsed and validated, defaults applied, in
// server/grpc/request_validation.h.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_GRPC_PROTO_CONVERT_H_
#define ACTISCOPE_SERVER_GRPC_PROTO_CONVERT_H_

#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "actiscope/v1/collector.pb.h"
#include "actiscope/v1/histogram.pb.h"
#include "actiscope/v1/query.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "server/store/store_types.h"

namespace actiscope::server {

absl::Time FromProto(const google::protobuf::Timestamp& t);
void ToProto(absl::Time t, google::protobuf::Timestamp* out);

// KIND_UNSPECIFIED (and unknown values) read as activation.
Kind FromProto(v1::Kind kind);
v1::Kind ToProto(Kind kind);
// RUN_STATUS_UNSPECIFIED (and unknown values) read as live.
RunStatus FromProto(v1::RunStatus status);
v1::RunStatus ToProto(RunStatus status);

// A run as described by the client. world_size zero reads as 1; an unset start_time reads as
// `now`. The run is live with nothing stored.
RunInfo FromRunSpec(const v1::RunSpec& spec, absl::Time now);
void ToRunSummary(const RunInfo& run, v1::RunSummary* out);
// An alert as Query.ListAlerts returns it (without its run id, which the request names).
void ToAlertProto(const Alert& alert, v1::Alert* out);
// An alert that began, as a Push ack announces it (types and severities by name, alert_rules.h).
void ToAlertNotice(const Alert& alert, v1::AlertNotice* out);

// Moves the frame's layer name out of *frame and takes ownership of its decoded `counts`.
Histogram TakeHistogram(v1::Frame* frame, std::vector<uint64_t> counts);
ScalarPoint TakeScalar(v1::Scalar* scalar);

void ToLayerInfo(const LayerInfo& layer, v1::LayerInfo* out);

// Fills `out` with `heatmap` for `query` (whose run, layer and kind it echoes).
void ToHeatmapProto(const HeatmapQuery& query, const Heatmap& heatmap, v1::Heatmap* out);

void ToScalarSeriesProto(const ScalarSeries& series, v1::ScalarSeries* out);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_PROTO_CONVERT_H_
