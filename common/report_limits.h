// The limits of what a client reports, declared once: how long a name may be and how large a
// step. Names are layer names (actiscope.v1.Frame.layer, the store's Histogram.layer), scalar
// names (Scalar.name, ScalarPoint.name), and a run's name, host, device and config keys
// (RunSpec, RunInfo). Steps are those of frames, scalars and a resume (RunSpec.resume_from_step)
// and the bounds of heatmap and scalar queries.
//
// The client reads them and drops a Record that breaks one instead of sending it; the gRPC edge
// (server/grpc/request_validation.h) rejects such a frame, and the store's query validation
// (server/store/query_validation.h) such a query; the store relies on both.
//
// Thread-safety: constants only.
#ifndef ACTISCOPE_COMMON_REPORT_LIMITS_H_
#define ACTISCOPE_COMMON_REPORT_LIMITS_H_

#include <cstddef>
#include <cstdint>

namespace actiscope {

// Names are 1 to kMaxNameBytes bytes (a run's name, host and device may also be empty).
inline constexpr size_t kMaxNameBytes = 256;

// Steps are 0 to kMaxStep = 2^53 - 1, the largest integer a double (and so the page's
// JavaScript and any JSON reader) holds exactly. It also keeps every step range's length,
// to - from + 1, far from int64 overflow in the store's column plans and range sums.
inline constexpr int64_t kMaxStep = (int64_t{1} << 53) - 1;

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_REPORT_LIMITS_H_
