#include "client/collector_session.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc_status.h"
#include "common/status_macros.h"

namespace actiscope::client {
namespace {

void SetTimeout(grpc::ClientContext* context, absl::Duration timeout) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(std::max(timeout, absl::Milliseconds(1))));
}

absl::Status InReporterOptions(const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat("ReporterOptions: ", status.message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<CollectorSession>> CollectorSession::Open(
    ConnectionOptions connection) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 5000);
  ACTISCOPE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::Channel> channel, MakeChannel(connection, args));
  return std::unique_ptr<CollectorSession>(
      new CollectorSession(std::move(connection), std::move(channel)));
}

absl::StatusOr<std::unique_ptr<CollectorSession>> OpenCollectorSession(
    const ReporterOptions& options) {
  ConnectionOptions connection;
  connection.address = options.server_address;
  connection.token = options.token;
  connection.tls_ca_file = options.tls_ca_file;
  connection.tls_cert_file = options.tls_cert_file;
  connection.tls_key_file = options.tls_key_file;
  if (connection.token.empty()) {
    absl::StatusOr<std::string> token = ResolveToken(options.token_file);
    if (!token.ok()) return InReporterOptions(token.status());
    connection.token = *std::move(token);
  }
  absl::StatusOr<std::unique_ptr<CollectorSession>> session =
      CollectorSession::Open(std::move(connection));
  if (!session.ok()) return InReporterOptions(session.status());
  return session;
}

CollectorSession::CollectorSession(ConnectionOptions connection,
                                   std::shared_ptr<grpc::Channel> channel)
    : connection_(std::move(connection)),
      channel_(std::move(channel)),
      stub_(v1::Collector::NewStub(channel_)) {}

absl::Status CollectorSession::StartRun(const v1::RunSpec& run, absl::Duration timeout) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  AttachToken(connection_.token, &context);
  v1::StartRunResponse response;
  return ExplainConnectionError(FromGrpcStatus(stub_->StartRun(&context, run, &response),
                                               absl::StrCat("StartRun ", run.run_id())),
                                connection_);
}

absl::Status CollectorSession::FinishRun(const std::string& run_id, bool succeeded,
                                         absl::Duration timeout) {
  grpc::ClientContext context;
  SetTimeout(&context, timeout);
  AttachToken(connection_.token, &context);
  v1::FinishRunRequest request;
  request.set_run_id(run_id);
  request.set_status(succeeded ? v1::RUN_STATUS_FINISHED : v1::RUN_STATUS_FAILED);
  v1::FinishRunResponse response;
  return ExplainConnectionError(FromGrpcStatus(stub_->FinishRun(&context, request, &response),
                                               absl::StrCat("FinishRun ", run_id)),
                                connection_);
}

PushStream::PushStream(CollectorSession* session) : session_(session) {
  AttachToken(session->connection().token, &context_);
  stream_ = session->stub_->Push(&context_);
}

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
  return ExplainConnectionError(FromGrpcStatus(stream_->Finish(), "Push"), session_->connection());
}

void PushStream::Cancel() { context_.TryCancel(); }

}  // namespace actiscope::client
