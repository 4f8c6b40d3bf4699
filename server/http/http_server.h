// HttpServer: actiscope-server's HTTP side. Serves the JSON API (server/http/http_api.h), live
// updates as Server-Sent Events, the web page's static files from a web root
// (server/http/static_files.h) and /healthz, on its own threads (cpp-httplib's thread pool).
// Every response carries a Content-Security-Policy and X-Content-Type-Options: nosniff.
//
// Thread-safety: Start and Stop are called from one thread; port() is safe after Start.
// The store and notifier must outlive the server.
//
// Example:
//   HttpServerOptions options;
//   options.address = "127.0.0.1:0";
//   HttpServer http(options, store.get(), &notifier);
//   ACTISCOPE_RETURN_IF_ERROR(http.Start());
//   std::cout << http.port();
//   ...
//   http.Stop();
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_SERVER_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct HttpServerOptions {
  // "host:port"; port 0 picks a free one (read it back with HttpServer::port()).
  std::string address = "127.0.0.1:8080";
  // The folder holding the web page; empty means FindWebRoot() (server/http/web_root.h).
  std::string web_root;
};

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, SqliteStore* store, RunNotifier* notifier);
  ~HttpServer();  // Stops the server.
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds the address and starts serving on background threads. INVALID_ARGUMENT for a
  // malformed address, UNAVAILABLE when it cannot be bound, FAILED_PRECONDITION when
  // started twice.
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
