// Hostile peers of a real actiscope-server, for the cross-component test that the server keeps
// serving everyone else (tests/integration/hostile_peers_test.cc) and for the benchmark that
// measures how well (tests/bench/network_bench.cc). Each class opens its connections in
// the constructor-like Open and holds them until destroyed. They speak only what crosses the
// wire: gRPC stubs generated from the .proto files and raw TCP sockets, as an attacker would.
//
// A peer's IP matters to the server's per-peer limits. Linux routes all of 127.0.0.0/8 to the
// loopback device, so the raw-socket peers bind their sockets to `source_ip` (e.g. 127.0.0.2)
// to be a different peer than a legitimate client on 127.0.0.1.
//
// Thread-safety: each object is used by one thread.
#ifndef ACTISCOPE_TESTS_INTEGRATION_HOSTILE_PEERS_H_
#define ACTISCOPE_TESTS_INTEGRATION_HOSTILE_PEERS_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "actiscope/v1/collector.grpc.pb.h"

namespace actiscope::testing {

// Push streams that send nothing: each holds what the server gives an open stream.
class IdlePushStreams {
 public:
  // Opens `count` streams on `channel` with `token` (empty: none) and waits until the server
  // has taken (or refused) each one. Returns how many the server still holds open; refused ones
  // (e.g. over a per-peer cap) are not an error.
  absl::StatusOr<int> Open(const std::shared_ptr<grpc::Channel>& channel, const std::string& token,
                           int count);
  ~IdlePushStreams();

 private:
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientAsyncReaderWriter<v1::PushRequest, v1::PushAck>> call;
    grpc::Status status;
    bool finished = false;
  };
  // Completion-queue tags: a Stream's address with the event in its two low bits.
  static constexpr uintptr_t kStarted = 1;
  static constexpr uintptr_t kFinished = 2;
  static void* Tag(Stream* stream, uintptr_t event);
  void Record(void* tag);

  std::unique_ptr<v1::Collector::Stub> stub_;
  grpc::CompletionQueue queue_;
  std::vector<std::unique_ptr<Stream>> streams_;
  size_t finished_ = 0;
};

// TCP connections that each send half an HTTP request line and then nothing (slowloris).
class HalfSentHttpRequests {
 public:
  // Connects `count` sockets from `source_ip` to 127.0.0.1:`port`. Returns how many connected
  // (a server may close some at once; that is its right).
  absl::StatusOr<int> Open(int port, const std::string& source_ip, int count);
  ~HalfSentHttpRequests();

 private:
  std::vector<int> sockets_;
};

// Server-Sent Event streams of one run from one client, kept open and never read.
class HeldEventStreams {
 public:
  // Sends `count` GET /api/runs/RUN/events requests from `source_ip` (with `token` as a Bearer
  // header when not empty) and reads each response's status line. Returns how many the server
  // answered with 200 (streams held open).
  absl::StatusOr<int> Open(int port, const std::string& source_ip, const std::string& run_id,
                           const std::string& token, int count);
  ~HeldEventStreams();

 private:
  std::vector<int> sockets_;
};

// One Push request whose zstd_batch is at most `max_bytes` compressed and expanded, holding as
// many 1024-bin frames as fit, each for a new series of run `run_id` (layer "hostile-<i>").
// Returns the stream's final status (the server should refuse it with RESOURCE_EXHAUSTED).
grpc::Status PushHostileBatch(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& token, const std::string& run_id,
                              size_t max_bytes);

// The hostile batch itself (serialized FrameBatch size close to `max_bytes`), so that callers can
// build it once and send it many times.
std::string MakeHostileZstdBatch(size_t max_bytes, int* frames);

// Sends `zstd_batch` as one Push request to run `run_id`; returns the stream's final status.
grpc::Status PushZstdBatch(v1::Collector::Stub* stub, const std::string& token,
                           const std::string& run_id, const std::string& zstd_batch);

// A polite peer for comparison: one GET of `target` from `source_ip` (with `token` as a Bearer
// header when not empty, Connection: close); returns the HTTP status. UNAVAILABLE when the
// server does not answer within 5 s.
absl::StatusOr<int> HttpGetStatus(int port, const std::string& source_ip, const std::string& target,
                                  const std::string& token);

}  // namespace actiscope::testing

#endif  // ACTISCOPE_TESTS_INTEGRATION_HOSTILE_PEERS_H_
