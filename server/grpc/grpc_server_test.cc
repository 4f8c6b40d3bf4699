#include "server/grpc/grpc_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/grpc/grpc_test_server.h"

namespace actiscope::server {
namespace {

using ::actiscope::server::testing::TestGrpcServer;
using ::testing::HasSubstr;

std::string ToString(const grpc::ByteBuffer& buffer) {
  grpc::Slice slice;
  EXPECT_TRUE(buffer.DumpToSingleSlice(&slice).ok());
  return std::string(reinterpret_cast<const char*>(slice.begin()), slice.size());
}

// Waits for the one pending operation on `cq` and returns whether it succeeded.
bool Await(grpc::CompletionQueue* cq) {
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq->Next(&tag, &ok));
  return ok;
}

TEST(GrpcServerTest, PortZeroPicksAFreePort) {
  TestGrpcServer server;
  EXPECT_GT(server.port(), 0);
}

TEST(GrpcServerTest, BusyAddressIsUnavailable) {
  TestGrpcServer first;
  RunNotifier notifier;
  GrpcServerOptions options;
  options.address = absl::StrCat("127.0.0.1:", first.port());
  GrpcServer second(options, nullptr, &notifier);
  absl::Status status = second.Start();
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(options.address));
}

TEST(GrpcServerTest, HealthServiceReportsServing) {
  TestGrpcServer server;
  grpc::GenericStub stub(server.channel());
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);  // HealthCheckRequest{service: ""}
  grpc::ByteBuffer response;
  grpc::Status status;
  auto call = stub.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  call->Finish(&response, &status, nullptr);
  Await(&cq);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ToString(response), std::string("\x08\x01", 2));  // status: SERVING
}

TEST(GrpcServerTest, ReflectionIsOffByDefault) {
  TestGrpcServer server;
  grpc::GenericStub stub(server.channel());
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(nullptr);
  ASSERT_TRUE(Await(&cq));
  call->WritesDone(nullptr);
  Await(&cq);
  grpc::Status status;
  call->Finish(&status, nullptr);
  Await(&cq);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(GrpcServerTest, ReflectionListsTheServicesWhenEnabled) {
  TestGrpcServer server(1 << 20, /*reflection=*/true);
  grpc::GenericStub stub(server.channel());
  grpc::ClientContext context;
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(nullptr);
  ASSERT_TRUE(Await(&cq));
  grpc::Slice list_services(
      std::string("\x3a\x00", 2));  // ServerReflectionRequest{list_services: ""}
  grpc::ByteBuffer request(&list_services, 1);
  call->Write(request, nullptr);
  ASSERT_TRUE(Await(&cq));
  grpc::ByteBuffer response;
  call->Read(&response, nullptr);
  ASSERT_TRUE(Await(&cq));
  const std::string bytes = ToString(response);
  EXPECT_THAT(bytes, HasSubstr("actiscope.v1.Collector"));
  EXPECT_THAT(bytes, HasSubstr("actiscope.v1.Query"));
  call->WritesDone(nullptr);
  Await(&cq);
  grpc::Status status;
  call->Finish(&status, nullptr);
  Await(&cq);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace actiscope::server
