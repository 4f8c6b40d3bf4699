// The wire form of a bin layout: actiscope::BinLayout (common/bin_layout.h) <-> actiscope.v1.
// BinLayout. Only the wire edges call these: the codec (histogram_codec.h), the client when it
// builds frames, and the server's gRPC edge (server/grpc/proto_convert.h).
//
// The scale converts by value (the enums share their numbers), so a wire layout with an
// unknown or unspecified scale stays unknown after FromWire and ValidateLayout rejects it,
// naming the value. No validation happens here.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_PROTO_LAYOUT_CONVERT_H_
#define ACTISCOPE_PROTO_LAYOUT_CONVERT_H_

#include "actiscope/v1/histogram.pb.h"
#include "common/bin_layout.h"

namespace actiscope {

void ToWire(const BinLayout& layout, v1::BinLayout* out);
BinLayout FromWire(const v1::BinLayout& layout);

}  // namespace actiscope

#endif  // ACTISCOPE_PROTO_LAYOUT_CONVERT_H_
