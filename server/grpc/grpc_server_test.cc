#include "server/grpc/grpc_server.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>

#include <memory>
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

// One ServerReflectionInfo stream over a channel, driven a step at a time on its own queue.
class ReflectionStream {
 public:
  explicit ReflectionStream(const std::shared_ptr<grpc::Channel>& channel) : stub_(channel) {
    call_ = stub_.PrepareCall(
        &context_, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq_);
    call_->StartCall(nullptr);
    started_ = Await(&cq_);
  }

  bool started() const { return started_; }

  // Sends ServerReflectionRequest{list_services: ""}; the reply's bytes, "" when none came.
  std::string ListServices() {
    grpc::Slice list_services(std::string("\x3a\x00", 2));
    grpc::ByteBuffer request(&list_services, 1);
    call_->Write(request, nullptr);
    if (!Await(&cq_)) return "";
    grpc::ByteBuffer response;
    call_->Read(&response, nullptr);
    return Await(&cq_) ? ToString(response) : "";
  }

  // Half-closes the stream and returns its status.
  grpc::Status Finish() {
    call_->WritesDone(nullptr);
    Await(&cq_);
    grpc::Status status;
    call_->Finish(&status, nullptr);
    Await(&cq_);
    return status;
  }

 private:
  grpc::GenericStub stub_;
  grpc::ClientContext context_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool started_ = false;
};

TEST(GrpcServerTest, ReflectionIsOffByDefault) {
  TestGrpcServer server;
  ReflectionStream stream(server.channel());
  ASSERT_TRUE(stream.started());
  EXPECT_EQ(stream.Finish().error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

TEST(GrpcServerTest, ReflectionListsTheServicesWhenEnabled) {
  TestGrpcServer server(1 << 20, /*reflection=*/true);
  ReflectionStream stream(server.channel());
  ASSERT_TRUE(stream.started());
  const std::string bytes = stream.ListServices();
  EXPECT_THAT(bytes, HasSubstr("actiscope.v1.Collector"));
  EXPECT_THAT(bytes, HasSubstr("actiscope.v1.Query"));
  const grpc::Status status = stream.Finish();
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace actiscope::server
