#include "common/grpc_status.h"

#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(GrpcStatusTest, OkMapsToOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(GrpcStatusTest, EveryCodeKeepsItsNameAndMessage) {
  const std::vector<std::pair<absl::Status, grpc::StatusCode>> cases = {
      {absl::CancelledError("m"), grpc::StatusCode::CANCELLED},
      {absl::UnknownError("m"), grpc::StatusCode::UNKNOWN},
      {absl::InvalidArgumentError("m"), grpc::StatusCode::INVALID_ARGUMENT},
      {absl::DeadlineExceededError("m"), grpc::StatusCode::DEADLINE_EXCEEDED},
      {absl::NotFoundError("m"), grpc::StatusCode::NOT_FOUND},
      {absl::AlreadyExistsError("m"), grpc::StatusCode::ALREADY_EXISTS},
      {absl::PermissionDeniedError("m"), grpc::StatusCode::PERMISSION_DENIED},
      {absl::ResourceExhaustedError("m"), grpc::StatusCode::RESOURCE_EXHAUSTED},
      {absl::FailedPreconditionError("m"), grpc::StatusCode::FAILED_PRECONDITION},
      {absl::AbortedError("m"), grpc::StatusCode::ABORTED},
      {absl::OutOfRangeError("m"), grpc::StatusCode::OUT_OF_RANGE},
      {absl::UnimplementedError("m"), grpc::StatusCode::UNIMPLEMENTED},
      {absl::InternalError("m"), grpc::StatusCode::INTERNAL},
      {absl::UnavailableError("m"), grpc::StatusCode::UNAVAILABLE},
      {absl::DataLossError("m"), grpc::StatusCode::DATA_LOSS},
      {absl::UnauthenticatedError("m"), grpc::StatusCode::UNAUTHENTICATED},
  };
  for (const auto& [in, want] : cases) {
    grpc::Status out = ToGrpcStatus(in);
    EXPECT_EQ(out.error_code(), want) << in;
    EXPECT_EQ(out.error_message(), "m") << in;
  }
}

TEST(GrpcStatusTest, MessageWithDetailPassesThroughUnchanged) {
  grpc::Status out = ToGrpcStatus(absl::NotFoundError("run \"r1\": unknown; call StartRun first"));
  EXPECT_EQ(out.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(out.error_message(), "run \"r1\": unknown; call StartRun first");
}

TEST(GrpcStatusTest, RepliesReadBackWithTheirCodeAndTheCallersContext) {
  const absl::Status in = absl::ResourceExhaustedError("request too large");
  const absl::Status back = FromGrpcStatus(ToGrpcStatus(in), "Push run-1");
  EXPECT_EQ(back.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(back.message(), "Push run-1: request too large");
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK, "Push").ok());
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token"), "ListRuns")
                .code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace actiscope
