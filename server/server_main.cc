// actiscope-server: stores the histograms trainers push over gRPC in one SQLite file and
// serves them over gRPC (the `actiscope` CLI) and HTTP (the web page). This file only wires
// flags to options and starts and stops things; SIGINT or SIGTERM stop it cleanly.
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/mutex_settings.h"
#include "common/status_macros.h"
#include "server/alerts/alert_engine.h"
#include "server/auth/network_policy.h"
#include "server/auth/token_registry.h"
#include "server/grpc/grpc_server.h"
#include "server/grpc/memory_release.h"
#include "server/http/http_server.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"
#include "server/store/store_types.h"
#include "server/store_health.h"

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
ABSL_FLAG(bool, alerts, true,
          "run the alert detectors at ingest (collapse, dead, frozen, exploding, saturated, "
          "NaN; server/alerts/alert_rules.h); false: no alerts are raised or announced");
ABSL_FLAG(std::string, alert_rules, "",
          "change alert defaults: NAME=VALUE,... with NAME a field of AlertRules "
          "(server/alerts/alert_rules.h), e.g. collapse_share=0.8,frozen_frames=200");
ABSL_FLAG(bool, reflection, false,
          "serve gRPC server reflection (grpcurl can then list the API without the .proto files)");
ABSL_FLAG(std::string, auth_tokens, "",
          "file of bearer tokens, one per line: TOKEN ROLE NAME (ROLE: ingest, read or admin); "
          "empty: no access control, allowed on loopback only");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain: serve gRPC over TLS and HTTP as HTTPS (with --tls_key)");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA: gRPC clients must present a certificate it signed (mutual TLS)");
ABSL_FLAG(bool, allow_insecure_network, false,
          "listen on a non-loopback address without TLS and tokens (only on a network you trust)");
ABSL_FLAG(int, max_push_streams, 256, "the most Push streams open at once; more are refused");
ABSL_FLAG(int, max_push_streams_per_peer, 32,
          "the most Push streams one peer (token name and IP address) may hold open");
ABSL_FLAG(int, max_watch_streams, 128, "the most WatchRun streams open at once");
ABSL_FLAG(int, max_watch_streams_per_peer, 16,
          "the most WatchRun streams one peer (token name and IP address) may hold open");
ABSL_FLAG(absl::Duration, push_idle_timeout, absl::Minutes(2),
          "a Push stream that sends nothing for this long is ended (clients reconnect)");
ABSL_FLAG(absl::Duration, grpc_keepalive_time, absl::Seconds(60),
          "the server pings a connection after this long without activity");
ABSL_FLAG(absl::Duration, grpc_keepalive_timeout, absl::Seconds(20),
          "and drops it when the ping is not answered within this long");
ABSL_FLAG(absl::Duration, grpc_max_connection_idle, absl::Minutes(5),
          "a gRPC connection without calls for this long is closed");
ABSL_FLAG(absl::Duration, grpc_max_connection_age, absl::ZeroDuration(),
          "a gRPC connection older than this is closed gracefully (0: no limit)");
ABSL_FLAG(uint32_t, max_frames_per_request, 8192, "the most histograms one Push request may hold");
ABSL_FLAG(uint32_t, max_scalars_per_request, 65536,
          "the most scalar points one Push request may hold");
ABSL_FLAG(uint64_t, max_config_bytes, 64 << 10,
          "the most bytes of a run's config (keys and values) StartRun accepts");
ABSL_FLAG(uint64_t, ingest_memory_bytes, 256 << 20,
          "memory all Push requests being decoded and written may take together; a request "
          "that does not fit waits briefly, then is refused");
ABSL_FLAG(std::vector<std::string>, http_allowed_hosts, {},
          "host names the page may be opened by, comma-separated (IP addresses and localhost "
          "always may); any other Host header gets 403 (DNS rebinding)");
ABSL_FLAG(int, http_max_connections_per_client, 16,
          "the most HTTP connections one client IP address may hold open; more get 503");
ABSL_FLAG(absl::Duration, http_request_timeout, absl::Seconds(10),
          "the longest one HTTP request (and a connection's TLS handshake) may take to arrive, "
          "however slowly its bytes come");
ABSL_FLAG(absl::Duration, http_idle_timeout, absl::Seconds(5),
          "an idle keep-alive HTTP connection is closed after this long");
ABSL_FLAG(int, http_threads, 64,
          "HTTP serving threads for requests (event streams get threads of their own)");
ABSL_FLAG(int, max_event_streams, 64,
          "the most live-update event streams (the page's open run views) at once; more get 429");
ABSL_FLAG(int, max_event_streams_per_client, 8,
          "the most event streams one client IP address may hold open");
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
ABSL_FLAG(int64_t, max_database_bytes, 0,
          "the most bytes the database file may grow to (0: no limit); past it Push requests "
          "are refused with RESOURCE_EXHAUSTED as on a full disk, clients keep their data, and "
          "health says NOT_SERVING until there is room again");
ABSL_FLAG(absl::Duration, health_probe_interval, absl::Seconds(1),
          "while the store cannot commit, how often a small write probes whether it can again");
// Query limits: the defaults are QueryLimits' (server/store/store_types.h), declared once there.
ABSL_FLAG(uint32_t, max_runs_listed, actiscope::server::QueryLimits{}.max_runs_listed,
          "the most runs one run listing (ListRuns, /api/runs) may ask for; a larger limit is "
          "refused");
ABSL_FLAG(uint32_t, max_heatmap_columns, actiscope::server::QueryLimits{}.max_heatmap_columns,
          "the most columns one heatmap query may ask for; more are refused");
ABSL_FLAG(uint64_t, max_heatmap_cells, actiscope::server::QueryLimits{}.max_heatmap_cells,
          "the most cells (columns x the layer's bins) one heatmap may hold, which bounds the "
          "memory and reply size of a heatmap query; checked before reading, larger ones are "
          "refused");
ABSL_FLAG(uint32_t, max_scalar_points, actiscope::server::QueryLimits{}.max_scalar_points,
          "the most points per series one scalar query may ask for (longer series are "
          "downsampled); more are refused");
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

// The tokens of --auth_tokens; null without the flag.
absl::StatusOr<std::unique_ptr<TokenRegistry>> LoadTokens() {
  const std::string path = absl::GetFlag(FLAGS_auth_tokens);
  if (path.empty()) return nullptr;
  ACTISCOPE_ASSIGN_OR_RETURN(TokenRegistry tokens, TokenRegistry::Load(path));
  return std::make_unique<TokenRegistry>(std::move(tokens));
}

absl::Status CheckNetworkPolicy(bool tokens) {
  const bool tls = !absl::GetFlag(FLAGS_tls_cert).empty();
  if (tls != !absl::GetFlag(FLAGS_tls_key).empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together: give both or neither");
  }
  if (!absl::GetFlag(FLAGS_tls_client_ca).empty() && !tls) {
    return absl::InvalidArgumentError("--tls_client_ca needs --tls_cert and --tls_key");
  }
  const bool insecure = absl::GetFlag(FLAGS_allow_insecure_network);
  ACTISCOPE_RETURN_IF_ERROR(CheckListenerProtection("gRPC", absl::GetFlag(FLAGS_grpc_addr),
                                                    ListenerProtection{tls, tokens, insecure}));
  return CheckListenerProtection("HTTP", absl::GetFlag(FLAGS_http_addr),
                                 ListenerProtection{tls, tokens, insecure});
}

GrpcServerOptions GrpcOptionsFromFlags(const TokenRegistry* tokens) {
  GrpcServerOptions o;
  o.address = absl::GetFlag(FLAGS_grpc_addr);
  o.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  o.reflection = absl::GetFlag(FLAGS_reflection);
  o.tokens = tokens;
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca);
  o.max_push_streams = absl::GetFlag(FLAGS_max_push_streams);
  o.max_push_streams_per_peer = absl::GetFlag(FLAGS_max_push_streams_per_peer);
  o.max_watch_streams = absl::GetFlag(FLAGS_max_watch_streams);
  o.max_watch_streams_per_peer = absl::GetFlag(FLAGS_max_watch_streams_per_peer);
  o.push_idle_timeout = absl::GetFlag(FLAGS_push_idle_timeout);
  o.keepalive_time = absl::GetFlag(FLAGS_grpc_keepalive_time);
  o.keepalive_timeout = absl::GetFlag(FLAGS_grpc_keepalive_timeout);
  o.max_connection_idle = absl::GetFlag(FLAGS_grpc_max_connection_idle);
  o.max_connection_age = absl::GetFlag(FLAGS_grpc_max_connection_age);
  o.max_frames_per_request = absl::GetFlag(FLAGS_max_frames_per_request);
  o.max_scalars_per_request = absl::GetFlag(FLAGS_max_scalars_per_request);
  o.max_config_bytes = absl::GetFlag(FLAGS_max_config_bytes);
  o.ingest_memory_bytes = absl::GetFlag(FLAGS_ingest_memory_bytes);
  return o;
}

HttpServerOptions HttpOptionsFromFlags(const TokenRegistry* tokens) {
  HttpServerOptions o;
  o.address = absl::GetFlag(FLAGS_http_addr);
  o.web_root = absl::GetFlag(FLAGS_web_root);
  o.tokens = tokens;
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key);
  o.allowed_hosts = absl::GetFlag(FLAGS_http_allowed_hosts);
  o.max_connections_per_client = absl::GetFlag(FLAGS_http_max_connections_per_client);
  o.request_timeout = absl::GetFlag(FLAGS_http_request_timeout);
  o.idle_timeout = absl::GetFlag(FLAGS_http_idle_timeout);
  o.threads = absl::GetFlag(FLAGS_http_threads);
  o.max_event_streams = absl::GetFlag(FLAGS_max_event_streams);
  o.max_event_streams_per_client = absl::GetFlag(FLAGS_max_event_streams_per_client);
  return o;
}

// Serves until SIGINT or SIGTERM, which the caller has blocked in every thread.
absl::Status Serve(const sigset_t& stop_signals) {
  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<TokenRegistry> tokens, LoadTokens());
  ACTISCOPE_RETURN_IF_ERROR(CheckNetworkPolicy(tokens != nullptr));
  AlertEngineOptions alerts;
  alerts.enabled = absl::GetFlag(FLAGS_alerts);
  ACTISCOPE_RETURN_IF_ERROR(ParseAlertRules(absl::GetFlag(FLAGS_alert_rules), &alerts.rules));
  StoreOptions store_options;
  store_options.path = absl::GetFlag(FLAGS_db);
  store_options.stall_after = absl::GetFlag(FLAGS_stall_after);
  store_options.read_connections = absl::GetFlag(FLAGS_read_connections);
  store_options.read_wait = absl::GetFlag(FLAGS_read_wait);
  store_options.max_segment_steps = absl::GetFlag(FLAGS_max_segment_steps);
  store_options.max_series_per_run = absl::GetFlag(FLAGS_max_series_per_run);
  store_options.max_runs = absl::GetFlag(FLAGS_max_runs);
  store_options.max_database_bytes = absl::GetFlag(FLAGS_max_database_bytes);
  store_options.query_limits.max_runs_listed = absl::GetFlag(FLAGS_max_runs_listed);
  store_options.query_limits.max_heatmap_columns = absl::GetFlag(FLAGS_max_heatmap_columns);
  store_options.query_limits.max_heatmap_cells = absl::GetFlag(FLAGS_max_heatmap_cells);
  store_options.query_limits.max_scalar_points = absl::GetFlag(FLAGS_max_scalar_points);
  ACTISCOPE_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::Open(store_options));
  RunNotifier notifier;

  GrpcServerOptions grpc_options = GrpcOptionsFromFlags(tokens.get());
  grpc_options.alerts = alerts;
  GrpcServer grpc(grpc_options, store.get(), &notifier);
  ACTISCOPE_RETURN_IF_ERROR(grpc.Start());

  StoreHealth health(
      store.get(), absl::GetFlag(FLAGS_health_probe_interval), [&grpc](bool serving) {
        grpc.SetServing(serving);
        std::fprintf(stderr, "actiscope-server: store %s\n",
                     serving ? "commits again: SERVING" : "cannot commit: NOT_SERVING");
      });
  health.Start();

  HttpServerOptions http_options = HttpOptionsFromFlags(tokens.get());
  http_options.health = &health;
  http_options.ingest_counters = &grpc.counters();
  HttpServer http(http_options, store.get(), &notifier);
  ACTISCOPE_RETURN_IF_ERROR(http.Start());

  if (!absl::GetFlag(FLAGS_port_file).empty()) {
    ACTISCOPE_RETURN_IF_ERROR(
        WritePortFile(absl::GetFlag(FLAGS_port_file), grpc.port(), http.port()));
  }
  const bool tls = !grpc_options.tls_cert_file.empty();
  std::fprintf(stderr,
               "actiscope-server: started: gRPC%s on %s, HTTP on %s://%s, database %s, %s\n",
               tls ? " (TLS)" : "", WithPort(grpc_options.address, grpc.port()).c_str(),
               tls ? "https" : "http", WithPort(http_options.address, http.port()).c_str(),
               store_options.path.c_str(),
               tokens == nullptr
                   ? "no tokens (open to every caller that reaches it)"
                   : absl::StrCat(tokens->size(), " tokens from ", absl::GetFlag(FLAGS_auth_tokens))
                         .c_str());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  std::fprintf(stderr, "actiscope-server: stopping on %s\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  notifier.Shutdown();
  http.Stop();
  health.Stop();
  grpc.Shutdown(absl::GetFlag(FLAGS_shutdown_grace));
  std::fprintf(stderr, "actiscope-server: stopped\n");
  return absl::OkStatus();
}

}  // namespace
}  // namespace actiscope::server

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope-server [--grpc_addr=HOST:PORT] [--http_addr=HOST:PORT] [--db=FILE] "
      "[--auth_tokens=FILE --tls_cert=PEM --tls_key=PEM]: collects activation histograms over "
      "gRPC and serves them over gRPC and HTTP; see deploy/OPERATIONS.md for every flag");
  absl::ParseCommandLine(argc, argv);
  actiscope::DisableMutexDeadlockDetection();
  actiscope::server::ReturnLargeBlocksToTheSystem();
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
