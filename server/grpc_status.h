// The one conversion from absl::Status, the error vocabulary of every actiscope library, to
// grpc::Status at the service edge. Codes map one to one (both follow google.rpc.Code);
// messages pass through unchanged.
//
// Thread-safety: pure function.
#ifndef ACTISCOPE_SERVER_GRPC_STATUS_H_
#define ACTISCOPE_SERVER_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace actiscope::server {

// OK maps to grpc::Status::OK; any other code to the gRPC code of the same name with the
// same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_STATUS_H_
