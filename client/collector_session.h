// The client's calls to the Collector service (proto/actiscope/v1/collector.proto): the
// channel (common/client_connection.h: address forms, TLS, keepalive), StartRun, FinishRun,
// and one Push stream with its acknowledgements, each call carrying the bearer token. The
// sender (sender.h) decides what to send; this file only speaks the protocol. Failed calls
// come back with ExplainConnectionError's hint for authentication and TLS failures.
//
// Thread-safety: a CollectorSession may be used from any thread; a PushStream by one thread,
// except Cancel() which any thread may call.
#ifndef ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_
#define ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "common/client_connection.h"

namespace actiscope::client {

class CollectorSession {
 public:
  // Checks `connection` and makes a channel that reconnects quickly (100 ms initial backoff,
  // 5 s cap) once the collector is back. Does not connect. Errors of MakeChannel.
  static absl::StatusOr<std::unique_ptr<CollectorSession>> Open(ConnectionOptions connection);

  [[nodiscard]] absl::Status StartRun(const v1::RunSpec& run, absl::Duration timeout);
  [[nodiscard]] absl::Status FinishRun(const std::string& run_id, bool succeeded,
                                       absl::Duration timeout);

  const ConnectionOptions& connection() const { return connection_; }

 private:
  friend class PushStream;
  CollectorSession(ConnectionOptions connection, std::shared_ptr<grpc::Channel> channel);

  const ConnectionOptions connection_;
  const std::shared_ptr<grpc::Channel> channel_;
  const std::unique_ptr<v1::Collector::Stub> stub_;
};

// The session `options` describe (server_address, token, tls_*), an empty token taken from
// token_file or else $ACTISCOPE_TOKEN. INVALID_ARGUMENT (or the file's error) starting
// "ReporterOptions: " and naming what is wrong.
absl::StatusOr<std::unique_ptr<CollectorSession>> OpenCollectorSession(
    const ReporterOptions& options);

// One Push stream. The run id travels once: a request whose run_id equals the one sent last on
// this stream goes without it (the collector keeps the stream's run id).
class PushStream {
 public:
  // gRPC's 5-byte message prefix plus an HTTP/2 DATA frame header (9 bytes) per request.
  static constexpr size_t kFramingBytes = 5 + 9;

  // `session` must outlive the stream.
  explicit PushStream(CollectorSession* session);
  ~PushStream();
  // Each returns false once the stream is broken or cancelled; Close() then says why.
  bool Write(const v1::PushRequest& request);
  bool ReadAck(v1::PushAck* ack);
  // Half-closes and waits for the final status (the server ends the stream after the last ack).
  [[nodiscard]] absl::Status Close();
  // Makes blocked and later calls fail. Thread-safe.
  void Cancel();
  // Bytes of the requests written so far: serialized size plus kFramingBytes each (HTTP/2
  // HEADERS of the stream and flow-control frames not counted).
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  const CollectorSession* const session_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream_;
  bool closed_ = false;
  std::string run_id_;  // Last run id sent on this stream.
  v1::PushRequest without_run_id_;
  uint64_t bytes_written_ = 0;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_
