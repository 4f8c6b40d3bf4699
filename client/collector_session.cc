#include "client/collector_session.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"

namespace actiscope::client {

std::shared_ptr<grpc::Channel> MakeCollectorChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

namespace {

void SetTimeout(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(std::max(timeout, absl::Milliseconds(1))));
}

}  // namespace

absl::Status StartRun(v1::Collector::Stub* stub, const v1::RunSpec& run, absl::Duration timeout) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  v1::StartRunResponse response;
  return FromGrpcStatus(stub->StartRun(&context, run, &response),
                        absl::StrCat("StartRun ", run.run_id()));
}

absl::Status FinishRun(v1::Collector::Stub* stub, const std::string& run_id, bool succeeded,
                       absl::Duration timeout) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  v1::FinishRunRequest request;
  request.set_run_id(run_id);
  request.set_status(succeeded ? v1::RUN_STATUS_FINISHED : v1::RUN_STATUS_FAILED);
  v1::FinishRunResponse response;
  return FromGrpcStatus(stub->FinishRun(&context, request, &response),
                        absl::StrCat("FinishRun ", run_id));
}

PushStream::PushStream(v1::Collector::Stub* stub) : stream_(stub->Push(&context_)) {}

PushStream::~PushStream() {
  if (!closed_) {
    context_.TryCancel();
    stream_->Finish().ok();
  }
}

bool PushStream::Write(const v1::PushRequest& request) {
  const v1::PushRequest* to_send = &request;
  if (!request.run_id().empty() && request.run_id() == run_id_) {
    without_run_id_ = request;
    without_run_id_.clear_run_id();
    to_send = &without_run_id_;
  }
  run_id_ = request.run_id();
  bytes_written_ += to_send->ByteSizeLong() + kFramingBytes;
  return stream_->Write(*to_send);
}

bool PushStream::ReadAck(v1::PushAck* ack) { return stream_->Read(ack); }

absl::Status PushStream::Close() {
  closed_ = true;
  stream_->WritesDone();
  v1::PushAck extra;
  while (stream_->Read(&extra)) {
  }
  return FromGrpcStatus(stream_->Finish(), "Push");
}

void PushStream::Cancel() { context_.TryCancel(); }

}  // namespace actiscope::client
