// HardenedServer: cpp-httplib's Server with its connection handling replaced, so that slow or
// hostile clients cannot take the serving threads from everyone else.
//
// cpp-httplib 0.11 gives every connection a pool thread for as long as it lives, and its read
// timeout restarts with every byte, so a client sending half a request line a byte at a time
// (slowloris) holds a thread indefinitely. HardenedServer overrides the per-connection step
// (process_and_close_socket) and keeps cpp-httplib's parser, router and response writer
// (process_request):
//   - at most `max_connections_per_client` open connections per client IP address; one more
//     gets a short 503 JSON reply (plain HTTP) or is closed (HTTPS) at once;
//   - each connection reads through a ConnectionStream (server/http/connection_stream.h):
//     a total deadline per request instead of a per-byte one, a keep-alive idle timeout, a
//     byte budget per request and a request count per connection;
//   - with a TlsContext, the TLS handshake runs within the first request's deadline;
//   - Wake() ends every wait at once, so stop() joins promptly.
// Responses that stream (Server-Sent Events) are writes and are bounded elsewhere
// (server/http/http_events.h).
//
// Thread-safety: as httplib::Server; Wake may be called from any thread.
#ifndef ACTISCOPE_SERVER_HTTP_HARDENED_SERVER_H_
#define ACTISCOPE_SERVER_HTTP_HARDENED_SERVER_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "httplib.h"
#include "server/http/connection_stream.h"
#include "server/http/tls_context.h"

namespace actiscope::server {

class HardenedServer : public httplib::Server {
 public:
  // `tls` null means plain HTTP; otherwise HTTPS only. `tls` must outlive the server.
  // `max_connections_flag` is the setting that sets `max_connections_per_client`, named with
  // its value in the 503 reply ("--http_max_connections_per_client").
  HardenedServer(ConnectionLimits limits, int max_connections_per_client,
                 std::string max_connections_flag, const TlsContext* tls);
  ~HardenedServer() override;
  HardenedServer(const HardenedServer&) = delete;
  HardenedServer& operator=(const HardenedServer&) = delete;

  // Makes every connection's pending and future waits fail at once (call before stop()).
  void Wake();
  // Open connections from `ip` (for tests).
  int connections_from(const std::string& ip) const;

 private:
  bool process_and_close_socket(socket_t sock) override;
  // Counts a connection from `ip`; false (counting nothing) when it has the most allowed.
  bool Admit(const std::string& ip);
  void Release(const std::string& ip);
  // Serves requests on the connection until it closes or a limit ends it.
  bool Serve(int sock, SSL* ssl);

  const ConnectionLimits limits_;
  const int max_connections_per_client_;
  const std::string max_connections_flag_;
  const TlsContext* tls_;
  int wake_pipe_[2] = {-1, -1};
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HARDENED_SERVER_H_
