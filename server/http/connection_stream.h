// ConnectionStream: one accepted HTTP connection (plain TCP, or TLS through OpenSSL) as the
// httplib::Stream that cpp-httplib's request parser reads from and its response writer writes
// to. HardenedServer (server/http/hardened_server.h) makes one per connection.
//
// Unlike cpp-httplib's own stream, whose read timeout restarts with every byte received, this
// one gives each request a total budget: BeginRequest starts a deadline (and a byte budget)
// that covers everything read for that request (TLS handshake, head and body), so a client
// that trickles bytes cannot hold a serving thread longer than `request_read_timeout`. Every
// wait also ends as soon as the server's stop descriptor becomes readable.
//
// Thread-safety: one thread at a time (the connection's serving thread).
#ifndef ACTISCOPE_SERVER_HTTP_CONNECTION_STREAM_H_
#define ACTISCOPE_SERVER_HTTP_CONNECTION_STREAM_H_

#include <openssl/ssl.h>

#include <cstddef>
#include <string>

#include "absl/time/time.h"
#include "httplib.h"

namespace actiscope::server {

struct ConnectionLimits {
  // Total time to receive one request (head and body) once it is due; for a connection's
  // first request this includes the TLS handshake.
  absl::Duration request_read_timeout = absl::Seconds(10);
  // How long an idle keep-alive connection waits for its next request before it is closed.
  absl::Duration keep_alive_timeout = absl::Seconds(5);
  // How long one write may wait for the client to take the bytes.
  absl::Duration write_timeout = absl::Seconds(10);
  // Requests served on one connection before it is closed.
  int max_requests_per_connection = 100;
  // Bytes one request (head and body together) may send; beyond them the connection is closed.
  size_t max_request_bytes = 256 << 10;
};

// The IP address of a connected socket's peer as text ("127.0.0.1", "::1"); empty on failure.
std::string PeerIp(int fd);

class ConnectionStream : public httplib::Stream {
 public:
  // `fd` is a connected socket, switched to non-blocking here; `ssl` is null for plain HTTP or
  // an SSL object for the connection. `stop_fd` becomes readable when the server stops.
  // Owns neither; the caller closes them after the stream is done.
  ConnectionStream(int fd, SSL* ssl, int stop_fd, const ConnectionLimits& limits);

  // Starts the next request's time and byte budget.
  void BeginRequest();
  // Runs the TLS handshake within the current request's budget; true when it completed.
  bool Handshake();
  // Waits up to keep_alive_timeout for the first byte of another request; false when the
  // client closed, went quiet or the server is stopping.
  bool WaitForNextRequest();

  // Whether a read would not wait: buffered bytes, or the socket becomes readable before the
  // request's deadline.
  bool is_readable() const override;
  // Whether the socket takes bytes within write_timeout (false once the server stops).
  bool is_writable() const override;
  // Reads at most `size` bytes: 0 at the end of the stream, -1 when the request's time or
  // byte budget is spent, the server stops or the connection fails.
  ssize_t read(char* ptr, size_t size) override;
  // Writes some of the bytes within write_timeout; -1 on failure.
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  // Refills the buffer: bytes read, 0 at the end of the stream, -1 on failure or deadline.
  ssize_t Fill();
  // Waits until the socket is ready for `events` (POLLIN / POLLOUT); false at `deadline` or
  // when the server stops.
  bool WaitFor(short events, absl::Time deadline) const;

  int fd_;
  SSL* ssl_;
  int stop_fd_;
  ConnectionLimits limits_;
  absl::Time read_deadline_ = absl::InfinitePast();
  size_t request_bytes_ = 0;
  char buffer_[4096];
  size_t buffer_begin_ = 0;
  size_t buffer_end_ = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_CONNECTION_STREAM_H_
