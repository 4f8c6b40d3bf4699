#include "server/http_server.h"

#include <thread>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"

namespace actiscope::server {
namespace {

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";

// Splits "host:port" (IPv6 hosts in brackets).
absl::Status ParseAddress(const std::string& address, std::string* host, int* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("http address: expected host:port, got \"", address, "\""));
  }
  *host = address.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  if (!absl::SimpleAtoi(address.substr(colon + 1), port) || *port < 0 || *port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("http address: bad port in \"", address, "\""));
  }
  return absl::OkStatus();
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, SqliteStore* store, RunNotifier* notifier)
      : options_(std::move(options)), store_(store), notifier_(notifier) {}
  ~Impl() { Stop(); }

  absl::Status Start() {
    if (started_) return absl::FailedPreconditionError("http server: already started");
    std::string host;
    int port = 0;
    if (absl::Status s = ParseAddress(options_.address, &host, &port); !s.ok()) return s;
    server_.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                                 {"X-Content-Type-Options", "nosniff"}});
    server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
    });
    if (port == 0) {
      port_ = server_.bind_to_any_port(host);
      if (port_ <= 0) port_ = 0;
    } else if (server_.bind_to_port(host, port)) {
      port_ = port;
    }
    if (port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("http server: cannot bind ", options_.address));
    }
    started_ = true;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Stop() {
    if (!started_) return;
    started_ = false;
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  HttpServerOptions options_;
  SqliteStore* store_;
  RunNotifier* notifier_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  bool started_ = false;
};

HttpServer::HttpServer(HttpServerOptions options, SqliteStore* store, RunNotifier* notifier)
    : impl_(std::make_unique<Impl>(std::move(options), store, notifier)) {}
HttpServer::~HttpServer() = default;
absl::Status HttpServer::Start() { return impl_->Start(); }
int HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace actiscope::server
