// The one conversion between absl::Status, the error vocabulary of every actiscope library, and
// grpc::Status, in both directions: services answer with ToGrpcStatus, clients (the reporter's
// collector session, the CLI, the load generator) read replies with FromGrpcStatus. Codes map
// one to one (both follow google.rpc.Code).
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_COMMON_GRPC_STATUS_H_
#define ACTISCOPE_COMMON_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace actiscope {

// OK maps to grpc::Status::OK; any other code to the gRPC code of the same name with the
// same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

// OK maps to OK; any other code to the absl code of the same name, with the message
// "WHAT: MESSAGE" so the caller's context (`what`, e.g. "StartRun run-1") leads.
absl::Status FromGrpcStatus(const grpc::Status& status, absl::string_view what);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_GRPC_STATUS_H_
