// The length limit of the names a client reports under: layer names (actiscope.v1.Frame.layer,
// the store's Histogram.layer), scalar names (Scalar.name, ScalarPoint.name), and a run's name,
// host, device and config keys (RunSpec, RunInfo). Declared once here and read by the client,
// which drops a Record with a longer name instead of sending it, and by the gRPC edge
// (server/grpc/request_validation.h), which rejects it; the store relies on the edge.
//
// Thread-safety: constants only.
#ifndef ACTISCOPE_COMMON_NAME_LIMITS_H_
#define ACTISCOPE_COMMON_NAME_LIMITS_H_

#include <cstddef>

namespace actiscope {

// Names are 1 to kMaxNameBytes bytes (a run's name, host and device may also be empty).
inline constexpr size_t kMaxNameBytes = 256;

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_NAME_LIMITS_H_
