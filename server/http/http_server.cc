#include "server/http/http_server.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "httplib.h"
#include "server/http/http_api.h"
#include "server/http/http_events.h"
#include "server/http/http_request.h"
#include "server/http/static_files.h"
#include "server/http/web_root.h"

namespace actiscope::server {
namespace {

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";
// Serving threads: every open event stream holds one, the rest answer requests.
constexpr int kRequestThreads = 16;
constexpr size_t kMaxRequestBodyBytes = 64 << 10;

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
    return absl::InvalidArgumentError(absl::StrCat("http address: bad port in \"", address, "\""));
  }
  return absl::OkStatus();
}

void Send(const HttpReply& reply, httplib::Response& res) {
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

// Whether the target is /api/runs/{id}/events; sets *run_id.
bool IsEventsRoute(const std::string& target, std::string* run_id) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget(target);
  if (!parsed.ok()) return false;
  const std::vector<std::string>& s = parsed->segments;
  if (s.size() != 4 || s[0] != "api" || s[1] != "runs" || s[3] != "events") return false;
  *run_id = s[2];
  return true;
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, SqliteStore* store, RunNotifier* notifier)
      : options_(std::move(options)), api_(store), events_(store, notifier) {}
  ~Impl() { Stop(); }

  absl::Status Start() {
    if (started_) return absl::FailedPreconditionError("http server: already started");
    std::string host;
    int port = 0;
    if (absl::Status s = ParseAddress(options_.address, &host, &port); !s.ok()) return s;
    std::string root = options_.web_root;
    if (root.empty()) {
      root = FindWebRoot().value_or("");
    } else if (!IsWebRoot(root)) {
      return absl::InvalidArgumentError(absl::StrCat("web root: no index.html in \"", root, "\""));
    }
    static_files_ = std::make_unique<StaticFiles>(root);
    Configure();
    if (port == 0) {
      port_ = std::max(0, server_.bind_to_any_port(host));
    } else if (server_.bind_to_port(host, port)) {
      port_ = port;
    }
    if (port_ == 0) {
      return absl::UnavailableError(absl::StrCat("http server: cannot bind ", options_.address));
    }
    started_ = true;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Stop() {
    if (!started_) return;
    started_ = false;
    events_.Stop();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Configure() {
    int threads = kRequestThreads + EventStreamOptions().max_streams;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_.set_payload_max_length(kMaxRequestBodyBytes);
    server_.set_read_timeout(10, 0);
    server_.set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                                 {"X-Content-Type-Options", "nosniff"},
                                 {"Referrer-Policy", "no-referrer"}});
    server_.Get(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { HandleGet(req, res); });
    auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      Send(ErrorReply(absl::UnimplementedError("method not allowed: actiscope's HTTP side is "
                                               "read-only (GET)")),
           res);
    };
    server_.Post(".*", not_allowed);
    server_.Put(".*", not_allowed);
    server_.Patch(".*", not_allowed);
    server_.Delete(".*", not_allowed);
    server_.Options(".*", not_allowed);
    // Anything httplib itself rejects (bad request lines, unmatched paths) gets a JSON body.
    server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      JsonWriter json;
      json.BeginObject();
      json.Key("error");
      json.String(res.status == 404 ? "not found"
                                    : absl::StrCat("request failed with HTTP status ", res.status));
      json.EndObject();
      res.set_content(json.text(), kJsonContentType);
    });
  }

  void HandleGet(const httplib::Request& req, httplib::Response& res) {
    const std::string& target = req.target;
    if (target == "/healthz" || absl::StartsWith(target, "/healthz?")) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
      return;
    }
    if (target == "/api" || absl::StartsWith(target, "/api/") ||
        absl::StartsWith(target, "/api?")) {
      res.set_header("Cache-Control", "no-store");
      std::string run_id;
      if (IsEventsRoute(target, &run_id)) {
        ServeEvents(run_id, res);
        return;
      }
      Send(api_.Get(target), res);
      return;
    }
    absl::StatusOr<StaticFile> file = static_files_->Read(target);
    if (!file.ok()) {
      Send(ErrorReply(file.status()), res);
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_content(std::move(file->body), file->content_type.c_str());
  }

  void ServeEvents(const std::string& run_id, httplib::Response& res) {
    absl::StatusOr<std::unique_ptr<EventStream>> stream = events_.Open(run_id);
    if (!stream.ok()) {
      Send(ErrorReply(stream.status()), res);
      return;
    }
    std::shared_ptr<EventStream> shared = std::move(*stream);
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider("text/event-stream",
                                     [shared](size_t, httplib::DataSink& sink) {
                                       std::optional<std::string> chunk = shared->Next();
                                       if (!chunk) {
                                         sink.done();
                                         return true;
                                       }
                                       return sink.write(chunk->data(), chunk->size());
                                     });
  }

  HttpServerOptions options_;
  HttpApi api_;
  EventStreams events_;
  std::unique_ptr<StaticFiles> static_files_;
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
