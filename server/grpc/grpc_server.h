// GrpcServer: builds and runs actiscope's gRPC endpoint: the Collector and Query services,
// the standard health service (grpc.health.v1.Health, reporting SERVING) and, only when
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
#include "server/grpc/collector_service.h"
#include "server/grpc/query_service.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct GrpcServerOptions {
  // host:port to listen on; port 0 lets the OS pick one (read it back with port()).
  std::string address = "127.0.0.1:50051";
  // The largest request gRPC accepts, and the largest FrameBatch a zstd_batch may expand to.
  size_t max_message_bytes = 16 << 20;
  // Threads gRPC may use for handlers: each open Push or WatchRun stream holds one. Calls
  // beyond it fail with RESOURCE_EXHAUSTED.
  int max_threads = 256;
  // Serve grpc.reflection.v1alpha.ServerReflection (actiscope-server --reflection).
  bool reflection = false;
  QueryOptions query;
};

class GrpcServer {
 public:
  // `store` and `notifier` must outlive the server.
  GrpcServer(GrpcServerOptions options, SqliteStore* store, RunNotifier* notifier);
  ~GrpcServer();  // Shuts down at once if still running.
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds and starts serving on gRPC's threads. UNAVAILABLE when the address cannot be bound.
  [[nodiscard]] absl::Status Start();
  // The bound port after a successful Start.
  int port() const { return port_; }
  // Stops accepting calls, lets running ones finish until `deadline` from now, then cancels
  // them, and waits for the handlers to return. Call RunNotifier::Shutdown first so that
  // WatchRun streams end promptly.
  void Shutdown(absl::Duration deadline);

 private:
  const GrpcServerOptions options_;
  CollectorService collector_;
  QueryService query_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_GRPC_SERVER_H_
