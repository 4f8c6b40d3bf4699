// actiscope-server: stores the histograms trainers push over gRPC in one SQLite file and
// serves them over gRPC (the `actiscope` CLI) and HTTP (the web page). This file only wires
// flags to options and starts and stops things; SIGINT or SIGTERM stop it cleanly.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"
#include "server/grpc/grpc_server.h"
#include "server/http/http_server.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

ABSL_FLAG(std::string, grpc_addr, "127.0.0.1:50051",
          "host:port for gRPC (Collector, Query, health, reflection); port 0 picks one");
ABSL_FLAG(std::string, http_addr, "127.0.0.1:8080",
          "host:port for HTTP (web page, JSON API, /healthz); port 0 picks one");
ABSL_FLAG(std::string, db, "./actiscope.db", "the SQLite database file; created when missing");
ABSL_FLAG(std::string, web_root, "",
          "the folder holding the web page; empty finds web/ beside the installed binary or in "
          "the source tree");
ABSL_FLAG(absl::Duration, stall_after, absl::Minutes(2),
          "a live run with no data for this long reads as stalled");
ABSL_FLAG(uint64_t, max_message_bytes, 16 << 20,
          "the largest gRPC request accepted, and the largest a zstd batch may expand to");
ABSL_FLAG(bool, reflection, false,
          "serve gRPC server reflection (grpcurl can then list the API without the .proto files)");
ABSL_FLAG(std::string, port_file, "",
          "when set, write \"GRPC_PORT HTTP_PORT\" to this file once both are listening");
ABSL_FLAG(int, read_connections, 4,
          "the most SQLite query connections open at once; a query waits up to --read_wait for "
          "one, then fails with RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, read_wait, absl::Seconds(5),
          "how long a query waits for a free query connection");
ABSL_FLAG(int64_t, max_segment_steps, 1024,
          "the most steps of one series stored in one segment row (bounds the memory of each "
          "read and write: steps x bins x 8 bytes)");
ABSL_FLAG(int64_t, max_series_per_run, 16384,
          "the most (layer, kind, rank) series one run may have; more are refused");
ABSL_FLAG(int64_t, max_runs, 100000, "the most runs the database may hold; new ones are refused");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(5),
          "how long running gRPC calls may take to finish on shutdown before they are cancelled");

namespace actiscope::server {
namespace {

// `address` with its port replaced by the bound `port`.
std::string WithPort(const std::string& address, int port) {
  return absl::StrCat(address.substr(0, address.rfind(':')), ":", port);
}

absl::Status WritePortFile(const std::string& path, int grpc_port, int http_port) {
  const std::string temp = path + ".tmp";
  FILE* f = std::fopen(temp.c_str(), "w");
  if (f == nullptr) return absl::UnavailableError(absl::StrCat("port file: cannot write ", temp));
  const bool written = std::fprintf(f, "%d %d\n", grpc_port, http_port) > 0;
  if (std::fclose(f) != 0 || !written || std::rename(temp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("port file: cannot write ", path));
  }
  return absl::OkStatus();
}

// Serves until SIGINT or SIGTERM, which the caller has blocked in every thread.
absl::Status Serve(const sigset_t& stop_signals) {
  StoreOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_db);
  store_options.stall_after = absl::GetFlag(FLAGS_stall_after);
  store_options.read_connections = absl::GetFlag(FLAGS_read_connections);
  store_options.read_wait = absl::GetFlag(FLAGS_read_wait);
  store_options.max_segment_steps = absl::GetFlag(FLAGS_max_segment_steps);
  store_options.max_series_per_run = absl::GetFlag(FLAGS_max_series_per_run);
  store_options.max_runs = absl::GetFlag(FLAGS_max_runs);
  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(store_options));
  RunNotifier notifier;

  GrpcServerOptions grpc_options;
  grpc_options.address = absl::GetFlag(FLAGS_grpc_addr);
  grpc_options.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  grpc_options.reflection = absl::GetFlag(FLAGS_reflection);
  GrpcServer grpc(grpc_options, store.get(), &notifier);
  ACTISCOPE_RETURN_IF_ERROR(grpc.Start());

  HttpServerOptions http_options;
  http_options.address = absl::GetFlag(FLAGS_http_addr);
  http_options.web_root = absl::GetFlag(FLAGS_web_root);
  HttpServer http(http_options, store.get(), &notifier);
  ACTISCOPE_RETURN_IF_ERROR(http.Start());

  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    ACTISCOPE_RETURN_IF_ERROR(
        WritePortFile(absl::GetFlag(FLAGS_port_file), grpc.port(), http.port()));
  }
  std::fprintf(stderr, "actiscope-server: started: gRPC on %s, HTTP on http://%s, database %s\n",
               WithPort(grpc_options.address, grpc.port()).c_str(),
               WithPort(http_options.address, http.port()).c_str(), store_options.path.c_str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "actiscope-server: stopping on %s\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  notifier.Shutdown();
  http.Stop();
  grpc.Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::fprintf(stderr, "actiscope-server: stopped\n");
  return absl::OkStatus();
}

}  // namespace
}  // namespace actiscope::server

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope-server [--grpc_addr=HOST:PORT] [--http_addr=HOST:PORT] [--db=FILE]: collects "
      "activation histograms over gRPC and serves them over gRPC and HTTP");
  absl::ParseCommandLine(argc, argv);
  // Blocked before any thread starts, so every thread inherits the mask and only sigwait sees
  // these signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  absl::Status status = actiscope::server::Serve(stop_signals);
  if (!status.ok()) {
    std::fprintf(stderr, "actiscope-server: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}
