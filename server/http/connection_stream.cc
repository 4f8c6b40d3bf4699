#include "server/http/connection_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/time/clock.h"

namespace actiscope::server {
namespace {

// The address of a socket's end as text ("127.0.0.1", "::1").
void AddressOf(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  }
  ip = text;
}

}  // namespace

std::string PeerIp(int fd) {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  std::string ip;
  int port = 0;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) AddressOf(addr, ip, port);
  return ip;
}

ConnectionStream::ConnectionStream(int fd, SSL* ssl, int stop_fd, const ConnectionLimits& limits)
    : fd_(fd), ssl_(ssl), stop_fd_(stop_fd), limits_(limits) {
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL, 0) | O_NONBLOCK);
  if (ssl_ != nullptr) SSL_set_fd(ssl_, fd_);
}

void ConnectionStream::BeginRequest() {
  read_deadline_ = absl::Now() + limits_.request_read_timeout;
  request_bytes_ = 0;
}

bool ConnectionStream::Handshake() {
  for (;;) {
    int rc = SSL_accept(ssl_);
    if (rc == 1) return true;
    int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_READ) {
      if (!WaitFor(POLLIN, read_deadline_)) return false;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(POLLOUT, read_deadline_)) return false;
    } else {
      return false;
    }
  }
}

bool ConnectionStream::WaitForNextRequest() {
  if (buffer_begin_ < buffer_end_) return true;
  if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
  return WaitFor(POLLIN, absl::Now() + limits_.keep_alive_timeout);
}

bool ConnectionStream::is_readable() const {
  return buffer_begin_ < buffer_end_ || WaitFor(POLLIN, read_deadline_);
}

bool ConnectionStream::is_writable() const {
  return WaitFor(POLLOUT, absl::Now() + limits_.write_timeout);
}

ssize_t ConnectionStream::read(char* ptr, size_t size) {
  if (buffer_begin_ == buffer_end_) {
    ssize_t filled = Fill();
    if (filled <= 0) return filled;
  }
  size_t n = std::min(size, buffer_end_ - buffer_begin_);
  if (request_bytes_ + n > limits_.max_request_bytes) return -1;
  std::memcpy(ptr, buffer_ + buffer_begin_, n);
  buffer_begin_ += n;
  request_bytes_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ConnectionStream::Fill() {
  buffer_begin_ = buffer_end_ = 0;
  for (;;) {
    if (absl::Now() >= read_deadline_) return -1;
    if (ssl_ == nullptr) {
      ssize_t n = recv(fd_, buffer_, sizeof(buffer_), 0);
      if (n >= 0) {
        buffer_end_ = static_cast<size_t>(n);
        return n;
      }
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !WaitFor(POLLIN, read_deadline_)) return -1;
      continue;
    }
    int n = SSL_read(ssl_, buffer_, sizeof(buffer_));
    if (n > 0) {
      buffer_end_ = static_cast<size_t>(n);
      return n;
    }
    int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_ZERO_RETURN) return 0;
    if (error == SSL_ERROR_WANT_READ) {
      if (!WaitFor(POLLIN, read_deadline_)) return -1;
    } else if (error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(POLLOUT, read_deadline_)) return -1;
    } else {
      return -1;
    }
  }
}

ssize_t ConnectionStream::write(const char* ptr, size_t size) {
  absl::Time deadline = absl::Now() + limits_.write_timeout;
  for (;;) {
    if (ssl_ == nullptr) {
      ssize_t n = send(fd_, ptr, size, MSG_NOSIGNAL);
      if (n >= 0) return n;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !WaitFor(POLLOUT, deadline)) return -1;
      continue;
    }
    int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
    if (n > 0) return n;
    int error = SSL_get_error(ssl_, n);
    if (error == SSL_ERROR_WANT_WRITE) {
      if (!WaitFor(POLLOUT, deadline)) return -1;
    } else if (error == SSL_ERROR_WANT_READ) {
      if (!WaitFor(POLLIN, deadline)) return -1;
    } else {
      return -1;
    }
  }
}

bool ConnectionStream::WaitFor(short events, absl::Time deadline) const {
  for (;;) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds[2] = {{fd_, events, 0}, {stop_fd_, POLLIN, 0}};
    int timeout_ms =
        static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 60 * 60 * 1000));
    int rc = poll(fds, 2, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0 || (fds[1].revents & POLLIN) != 0) return false;
    // POLLHUP / POLLERR count as ready: the read or write that follows reports them.
    if (fds[0].revents != 0) return true;
  }
}

void ConnectionStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  port = 0;
  ip.clear();
  if (getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    AddressOf(addr, ip, port);
  }
}

void ConnectionStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  port = 0;
  ip.clear();
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    AddressOf(addr, ip, port);
  }
}

}  // namespace actiscope::server
