#include "server/http/hardened_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace actiscope::server {
namespace {

void ReplyBusy(int sock, const std::string& flag, int limit) {
  std::string body =
      absl::StrCat(R"({"error":"too many connections from your address, the limit per client ()",
                   flag, "=", limit, R"(); close some and retry"})");
  std::string reply = absl::StrCat(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n"
      "Content-Length: ",
      body.size(), "\r\nConnection: close\r\nRetry-After: 1\r\n\r\n", body);
  (void)!send(sock, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Take what the client already sent, so that closing does not reset the connection (which
  // could discard the reply before the client reads it).
  char discard[4096];
  while (recv(sock, discard, sizeof(discard), MSG_DONTWAIT) > 0) {
  }
}

}  // namespace

HardenedServer::HardenedServer(ConnectionLimits limits, int max_connections_per_client,
                               std::string max_connections_flag, const TlsContext* tls)
    : limits_(limits),
      max_connections_per_client_(max_connections_per_client),
      max_connections_flag_(std::move(max_connections_flag)),
      tls_(tls) {
  if (pipe(wake_pipe_) != 0) wake_pipe_[0] = wake_pipe_[1] = -1;
}

HardenedServer::~HardenedServer() {
  for (int fd : wake_pipe_) {
    if (fd >= 0) close(fd);
  }
}

void HardenedServer::Wake() {
  if (wake_pipe_[1] >= 0) (void)!::write(wake_pipe_[1], "x", 1);
}

int HardenedServer::connections_from(const std::string& ip) const {
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(ip);
  return it == connections_.end() ? 0 : it->second;
}

bool HardenedServer::Admit(const std::string& ip) {
  absl::MutexLock lock(&mu_);
  int& open = connections_[ip];
  if (open >= max_connections_per_client_) {
    if (open == 0) connections_.erase(ip);
    return false;
  }
  ++open;
  return true;
}

void HardenedServer::Release(const std::string& ip) {
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(ip);
  if (it != connections_.end() && --it->second <= 0) connections_.erase(it);
}

bool HardenedServer::process_and_close_socket(socket_t sock) {
  std::string ip = PeerIp(sock);
  bool served = false;
  if (!Admit(ip)) {
    if (tls_ == nullptr) ReplyBusy(sock, max_connections_flag_, max_connections_per_client_);
  } else {
    SSL* ssl = tls_ != nullptr ? tls_->NewConnection() : nullptr;
    if (tls_ == nullptr || ssl != nullptr) served = Serve(sock, ssl);
    if (ssl != nullptr) {
      if (SSL_is_init_finished(ssl)) SSL_shutdown(ssl);
      SSL_free(ssl);
    }
    Release(ip);
  }
  shutdown(sock, SHUT_RDWR);
  close(sock);
  return served;
}

bool HardenedServer::Serve(int sock, SSL* ssl) {
  ConnectionStream stream(sock, ssl, wake_pipe_[0], limits_);
  stream.BeginRequest();
  if (ssl != nullptr && !stream.Handshake()) return false;
  bool ok = true;
  for (int served = 0; ok && is_running() && served < limits_.max_requests_per_connection;
       ++served) {
    if (served > 0) {
      if (!stream.WaitForNextRequest()) break;
      stream.BeginRequest();
    }
    bool last = served + 1 == limits_.max_requests_per_connection;
    bool closed = false;
    ok = process_request(stream, last, closed, nullptr);
    if (closed) break;
  }
  return ok;
}

}  // namespace actiscope::server
