// The client's calls to the Collector service (proto/actiscope/v1/collector.proto): the
// channel, StartRun, FinishRun, and one Push stream with its acknowledgements. The sender
// (sender.h) decides what to send; this file only speaks the protocol.
//
// Thread-safety: a PushStream is used by one thread, except Cancel() which any thread may call.
#ifndef ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_
#define ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actiscope/v1/collector.grpc.pb.h"

namespace actiscope::client {

// A channel that reconnects quickly (100 ms initial backoff, 5 s cap) once the collector is
// back.
std::shared_ptr<grpc::Channel> MakeCollectorChannel(const std::string& address);

[[nodiscard]] absl::Status StartRun(v1::Collector::Stub* stub, const v1::RunSpec& run,
                                    absl::Duration timeout);
[[nodiscard]] absl::Status FinishRun(v1::Collector::Stub* stub, const std::string& run_id,
                                     bool succeeded, absl::Duration timeout);

// One Push stream. The run id travels once: a request whose run_id equals the one sent last on
// this stream goes without it (the collector keeps the stream's run id).
class PushStream {
 public:
  // gRPC's 5-byte message prefix plus an HTTP/2 DATA frame header (9 bytes) per request.
  static constexpr size_t kFramingBytes = 5 + 9;

  explicit PushStream(v1::Collector::Stub* stub);
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
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PushRequest, v1::PushAck>> stream_;
  bool closed_ = false;
  std::string run_id_;  // Last run id sent on this stream.
  v1::PushRequest without_run_id_;
  uint64_t bytes_written_ = 0;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_COLLECTOR_SESSION_H_
