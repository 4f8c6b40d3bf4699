// GrpcServer: builds and runs actiscope's gRPC endpoint: the Collector and Query services
// behind tokens and stream limits (server/grpc/call_auth.h, stream_admission.h), over TLS or
// mutual TLS when given certificates, with keepalive and connection idle/age limits,
// the standard health service (grpc.health.v1.Health: SERVING, or NOT_SERVING while
// SetServing(false), which actiscope-server calls while the store cannot commit) and, only when
// `reflection` is set, server reflection (so grpcurl and friends can discover the API; off by
// default, since it tells any peer the whole API). Messages larger than
// `max_message_bytes` are refused by gRPC itself with RESOURCE_EXHAUSTED.
//
// Example:
//   GrpcServerOptions options;
//   options.address = "127.0.0.1:0";
//   GrpcServer server(options, store.get(), &notifier);
//   ACTISCOPE_RETURN_IF_ERROR(server.Start());
//   int port = server.port();  // The port picked by the OS.
//   ...
//   notifier.Shutdown();  // Ends WatchRun streams.
//   server.Shutdown(absl::Seconds(5));
//
// Thread-safety: Start and Shutdown are called from one thread; port() after Start from any.
#ifndef ACTISCOPE_SERVER_GRPC_GRPC_SERVER_H_
#define ACTISCOPE_SERVER_GRPC_GRPC_SERVER_H_

#include <grpcpp/server.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/alerts/alert_engine.h"
#include "server/auth/token_registry.h"
#include "server/grpc/call_auth.h"
#include "server/grpc/collector_service.h"
#include "server/grpc/ingest_budget.h"
#include "server/grpc/query_service.h"
#include "server/grpc/stream_admission.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct GrpcServerOptions {
  // host:port to listen on; port 0 lets the OS pick one (read it back with port()).
  std::string address = "127.0.0.1:50051";
  // The largest request gRPC accepts, and the largest FrameBatch a zstd_batch may expand to.
  size_t max_message_bytes = 16 << 20;
  // Serve grpc.reflection.v1alpha.ServerReflection (actiscope-server --reflection).
  bool reflection = false;
  // Tokens every Collector and Query call must present (null: open). Must outlive the server.
  const TokenRegistry* tokens = nullptr;
  // PEM files: with both, TLS only; with tls_client_ca_file too, clients must present a
  // certificate that CA signed (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Open streams, in all and per peer (server/grpc/stream_admission.h). Handler threads are
  // sized to both stream limits plus kUnaryThreads, so unary calls always find a thread.
  int max_push_streams = 256;
  int max_push_streams_per_peer = 32;
  int max_watch_streams = 128;
  int max_watch_streams_per_peer = 16;
  // A Push stream without a request for this long is ended; zero: never.
  absl::Duration push_idle_timeout = absl::Minutes(2);
  // The server pings a connection quiet for keepalive_time and drops it when the ping is not
  // answered within keepalive_timeout; clients may ping every 10 s or more (ours: 30 s).
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // A connection without calls for this long is closed; zero: never.
  absl::Duration max_connection_idle = absl::Minutes(5);
  // A connection older than this is closed gracefully (calls get 30 s to end); zero: never.
  absl::Duration max_connection_age = absl::ZeroDuration();
  // Per-request limits of Push and StartRun (collector_service.h).
  uint32_t max_frames_per_request = 8192;
  uint32_t max_scalars_per_request = 65536;
  uint64_t max_config_bytes = 64 << 10;
  // The alert detectors run at ingest (server/alerts/alert_engine.h).
  AlertEngineOptions alerts;
  // Memory all Push requests being decoded may take together (ingest_budget.h), and how long
  // one waits for room.
  uint64_t ingest_memory_bytes = uint64_t{256} << 20;
  absl::Duration ingest_memory_wait = absl::Seconds(5);
  QueryOptions query;

  // Handler threads beyond the stream limits, for unary calls.
  static constexpr int kUnaryThreads = 64;
};

class GrpcServer {
 public:
  // `store` and `notifier` must outlive the server.
  GrpcServer(GrpcServerOptions options, SqliteStore* store, RunNotifier* notifier);
  ~GrpcServer();  // Shuts down at once if still running.
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds and starts serving on gRPC's threads. UNAVAILABLE when the address cannot be bound;
  // INVALID_ARGUMENT for an option out of range or only one of tls_cert_file / tls_key_file;
  // the file's error (NOT_FOUND, ...) naming it when a PEM file cannot be read.
  [[nodiscard]] absl::Status Start();
  // The bound port after a successful Start.
  int port() const { return port_; }
  // Sets what the health service reports for every service ("" included). After Start.
  void SetServing(bool serving);
  // What the Collector service counts (refusals, open Push streams), for /metrics.
  const IngestCounters& counters() const { return counters_; }
  // Stops accepting calls, lets running ones finish until `deadline` from now, then cancels
  // them, and waits for the handlers to return. Call RunNotifier::Shutdown first so that
  // WatchRun streams end promptly.
  void Shutdown(absl::Duration deadline);

 private:
  const GrpcServerOptions options_;
  const CallAuthorizer authorizer_;
  StreamAdmission push_streams_;
  StreamAdmission watch_streams_;
  IngestBudget budget_;
  IngestCounters counters_;
  CollectorService collector_;
  QueryService query_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_GRPC_SERVER_H_
