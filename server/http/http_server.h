// HttpServer: actiscope-server's HTTP side. Serves the JSON API (server/http/http_api.h), live
// updates as Server-Sent Events, the web page's static files from a web root
// (server/http/static_files.h), the login page, /healthz (503 while the store cannot commit)
// and /metrics (Prometheus text, server/http/metrics_text.h), on its own threads.
// Every response carries a Content-Security-Policy and X-Content-Type-Options: nosniff.
//
// Safe on a network (each part in its own file):
//   - connections: HardenedServer (server/http/hardened_server.h) caps connections per client
//     address and gives every request a total read deadline and a byte budget;
//   - HTTPS when tls_cert_file and tls_key_file are set (server/http/tls_context.h);
//   - every request but /healthz must name an allowed Host (server/http/host_check.h);
//   - with `tokens`, every request but /healthz and the login page's files needs a read or
//     admin token or a login session (server/http/http_auth.h, http_sessions.h).
//
// Thread-safety: Start and Stop are called from one thread; port() is safe after Start.
// The store, notifier and tokens must outlive the server.
//
// Example:
//   HttpServerOptions options;
//   options.address = "127.0.0.1:0";
//   options.tokens = tokens.get();  // Or null: open to whoever reaches the address.
//   HttpServer http(options, store.get(), &notifier);
//   ACTISCOPE_RETURN_IF_ERROR(http.Start());
//   std::cout << http.port();
//   ...
//   http.Stop();
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_SERVER_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/auth/token_registry.h"
#include "server/ingest_counters.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"
#include "server/store_health.h"

namespace actiscope::server {

struct HttpServerOptions {
  // "host:port"; port 0 picks a free one (read it back with HttpServer::port()).
  std::string address = "127.0.0.1:8080";
  // The folder holding the web page; empty means FindWebRoot() (server/http/web_root.h).
  std::string web_root;
  // Who may read (--auth_tokens). Null: no authentication at all, everything is open.
  const TokenRegistry* tokens = nullptr;
  // PEM certificate chain and private key (--tls_cert, --tls_key): both set means HTTPS only,
  // both empty plain HTTP; one without the other is INVALID_ARGUMENT at Start.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Host names the page may be opened by besides IP literals and "localhost"
  // (--http_allowed_hosts), compared case-insensitively without the port. Any other Host
  // header gets 403 (DNS rebinding).
  std::vector<std::string> allowed_hosts;
  // Open connections from one client IP address; one more gets 503 (HTTPS: is closed).
  int max_connections_per_client = 16;
  // Total time to receive one request, head and body (and the TLS handshake for a
  // connection's first), however slowly the bytes come; then the connection is closed.
  absl::Duration request_timeout = absl::Seconds(10);
  // How long an idle keep-alive connection (and the thread serving it) waits for the next
  // request. Short, because each open connection holds a serving thread.
  absl::Duration idle_timeout = absl::Seconds(5);
  // Serving threads for requests. The pool has `threads + max_event_streams` threads, since
  // every open event stream holds one for as long as it is open.
  int threads = 64;
  // Event streams (GET /api/runs/{id}/events) open at once, over all clients and from one
  // client address; more get 429.
  int max_event_streams = 64;
  int max_event_streams_per_client = 8;
  // /healthz answers 503 while health->Serving() is false (null: always 200 "ok").
  const StoreHealth* health = nullptr;
  // The gRPC edge's counters shown on /metrics (null: those metrics read 0).
  const IngestCounters* ingest_counters = nullptr;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, SqliteStore* store, RunNotifier* notifier);
  ~HttpServer();  // Stops the server.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the address and starts serving on background threads. INVALID_ARGUMENT for a
  // malformed address, a limit below 1 or only one of the TLS files; NOT_FOUND /
  // INVALID_ARGUMENT naming a TLS file that cannot be read or used; UNAVAILABLE when the
  // address cannot be bound; FAILED_PRECONDITION when started twice.
  absl::Status Start();
  // The bound port after a successful Start; 0 before.
  int port() const;
  // Ends open event streams, stops accepting and joins the serving threads. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_SERVER_H_
