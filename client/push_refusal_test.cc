#include "client/push_refusal.h"

#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

TEST(PushRefusalTest, ARequestOverALimitIsPermanentABusyServerIsNot) {
  // The server's per-request limits (server/grpc/collector_service.cc, ingest_budget.cc,
  // server/store/ingest_writer.cc) and gRPC's own message-size refusal.
  for (const char* over : {
           "the batch holds 9000 frames, over the limit of 8192 per request "
           "(--max_frames_per_request); send smaller batches",
           "run 'r': layer 'x' kind 1 rank 0 would be series 10001 of the run, over the limit of "
           "10000 series per run (--max_series_per_run); the run's existing series keep "
           "accepting data",
           "Push request would take 9000000 bytes of memory to ingest, more than the server's "
           "whole ingest budget of 8000000 bytes (--ingest_memory_bytes); send smaller batches",
           "Received message larger than max (20000000 vs. 16777216)",
       }) {
    EXPECT_TRUE(IsOverLimit(over)) << over;
    EXPECT_TRUE(RejectsRequest(absl::ResourceExhaustedError(over), false)) << over;
  }
  for (const char* busy : {
           "store: write: database or disk is full",
           "store: step: database or disk is full: the disk or the database size limit "
           "(--max_database_bytes) is full; nothing of this write is stored; clients keep their "
           "data, retry later",
           "the disk or the database size limit (--max_database_bytes) is full",
           "Push: the server holds 256 Push streams, its limit (--max_push_streams=256); retry "
           "later",
           "Push: 10.0.0.2 holds 32 Push streams, the limit per peer "
           "(--max_push_streams_per_peer=32); close one or use fewer streams",
           "Push request: the server's ingest memory (--ingest_memory_bytes=8000000) stayed in "
           "use by other requests for 5s; retry later",
           "store: all 4 query connections stayed busy for 1s (the limit of --read_connections); "
           "retry later, or raise the limit",
           "queue full",
       }) {
    EXPECT_FALSE(IsOverLimit(busy)) << busy;
    EXPECT_FALSE(RejectsRequest(absl::ResourceExhaustedError(busy), true)) << busy;
  }
}

TEST(PushRefusalTest, InvalidRequestsArePermanentOutagesAreTransient) {
  for (const absl::Status& permanent :
       {absl::InvalidArgumentError("layout cannot change"), absl::FailedPreconditionError("x"),
        absl::OutOfRangeError("step")}) {
    EXPECT_TRUE(RejectsRequest(permanent, false)) << permanent;
  }
  for (const absl::Status& transient :
       {absl::UnavailableError("down"), absl::DeadlineExceededError("slow"),
        absl::AbortedError("x"), absl::InternalError("x"), absl::UnknownError("x"),
        absl::CancelledError("x"), absl::NotFoundError("unknown run"), absl::DataLossError("x"),
        absl::OkStatus()}) {
    EXPECT_FALSE(RejectsRequest(transient, true)) << transient;
  }
}

TEST(PushRefusalTest, ACredentialRefusalRejectsOnlyAfterTheStreamWasAccepted) {
  for (const absl::Status& refused :
       {absl::UnauthenticatedError("token"), absl::PermissionDeniedError("role")}) {
    EXPECT_TRUE(IsCredentialRefusal(refused));
    EXPECT_FALSE(RejectsRequest(refused, /*acked_on_stream=*/false)) << refused;
    EXPECT_TRUE(RejectsRequest(refused, /*acked_on_stream=*/true)) << refused;
  }
}

}  // namespace
}  // namespace actiscope::client
