#include "server/http/http_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "httplib.h"
#include "server/http/hardened_server.h"
#include "server/http/host_check.h"
#include "server/http/http_api.h"
#include "server/http/http_auth.h"
#include "server/http/http_events.h"
#include "server/http/http_request.h"
#include "server/http/http_sessions.h"
#include "server/http/metrics_text.h"
#include "server/http/static_files.h"
#include "server/http/tls_context.h"
#include "server/http/web_root.h"

namespace actiscope::server {
namespace {

constexpr char kContentSecurityPolicy[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";
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

absl::Status CheckLimits(const HttpServerOptions& options) {
  const std::pair<const char*, int> counts[] = {
      {"threads", options.threads},
      {"max_connections_per_client", options.max_connections_per_client},
      {"max_event_streams", options.max_event_streams},
      {"max_event_streams_per_client", options.max_event_streams_per_client}};
  for (const auto& [name, value] : counts) {
    if (value < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("http server: ", name, " must be at least 1, got ", value));
    }
  }
  if (options.request_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("http server: request_timeout and idle_timeout must be positive, got ",
                     absl::FormatDuration(options.request_timeout), " and ",
                     absl::FormatDuration(options.idle_timeout)));
  }
  return absl::OkStatus();
}

bool IsApiPath(absl::string_view path) { return path == "/api" || absl::StartsWith(path, "/api/"); }

// The login page and the files it loads, served to everyone.
bool IsLoginPath(absl::string_view path) {
  return path == "/login" || path == "/logout" || path == "/js/login.js" || path == "/style.css" ||
         path == "/favicon.svg";
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
      : options_(std::move(options)),
        store_(store),
        api_(store),
        events_(store, notifier, StreamOptions(options_)),
        auth_(options_.tokens, &sessions_, !options_.tls_cert_file.empty()) {}
  ~Impl() { Stop(); }

  absl::Status Start() {
    if (started_) return absl::FailedPreconditionError("http server: already started");
    std::string host;
    int port = 0;
    if (absl::Status s = ParseAddress(options_.address, &host, &port); !s.ok()) return s;
    if (absl::Status s = CheckLimits(options_); !s.ok()) return s;
    std::string root = options_.web_root;
    if (root.empty()) {
      root = FindWebRoot().value_or("");
    } else if (!IsWebRoot(root)) {
      return absl::InvalidArgumentError(absl::StrCat("web root: no index.html in \"", root, "\""));
    }
    if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "http server: the TLS certificate and key go together: give both or neither");
    }
    if (!options_.tls_cert_file.empty()) {
      absl::StatusOr<std::unique_ptr<TlsContext>> tls =
          TlsContext::Load(options_.tls_cert_file, options_.tls_key_file);
      if (!tls.ok()) return tls.status();
      tls_ = std::move(*tls);
    }
    static_files_ = std::make_unique<StaticFiles>(root);
    ConnectionLimits limits;
    limits.request_read_timeout = options_.request_timeout;
    limits.keep_alive_timeout = options_.idle_timeout;
    server_ = std::make_unique<HardenedServer>(limits, options_.max_connections_per_client,
                                               "--http_max_connections_per_client", tls_.get());
    Configure();
    if (port == 0) {
      port_ = std::max(0, server_->bind_to_any_port(host));
    } else if (server_->bind_to_port(host, port)) {
      port_ = port;
    }
    if (port_ == 0) {
      return absl::UnavailableError(absl::StrCat("http server: cannot bind ", options_.address));
    }
    started_ = true;
    listen_returned_ = false;
    thread_ = std::thread([this] {
      server_->listen_after_bind();
      listen_returned_ = true;
    });
    // httplib's stop() does nothing before the listening loop has begun (is_running() false),
    // and the loop would then never end: a Stop() right after Start() (SIGTERM as the server
    // comes up) hung the process. So Start returns once the loop runs (or has ended).
    while (!server_->is_running() && !listen_returned_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return absl::OkStatus();
  }

  int port() const { return port_; }

  void Stop() {
    if (!started_) return;
    started_ = false;
    events_.Stop();
    server_->Wake();
    server_->stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static EventStreamOptions StreamOptions(const HttpServerOptions& options) {
    EventStreamOptions streams;
    streams.max_streams = options.max_event_streams;
    streams.max_streams_per_client = options.max_event_streams_per_client;
    streams.max_streams_flag = "--max_event_streams";
    streams.max_streams_per_client_flag = "--max_event_streams_per_client";
    return streams;
  }

  void Configure() {
    int threads = options_.threads + options_.max_event_streams;
    server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server_->set_payload_max_length(kMaxRequestBodyBytes);
    // Only for the Keep-Alive header: HardenedServer enforces the timeout itself.
    server_->set_keep_alive_timeout(
        std::max<time_t>(1, absl::ToInt64Seconds(options_.idle_timeout)));
    server_->set_default_headers({{"Content-Security-Policy", kContentSecurityPolicy},
                                  {"X-Content-Type-Options", "nosniff"},
                                  {"Referrer-Policy", "no-referrer"}});
    server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      return Admit(req, res) ? httplib::Server::HandlerResponse::Unhandled
                             : httplib::Server::HandlerResponse::Handled;
    });
    server_->Get(
        ".*", [this](const httplib::Request& req, httplib::Response& res) { HandleGet(req, res); });
    server_->Post("/login", [this](const httplib::Request& req, httplib::Response& res) {
      auth_.Login(req, res);
    });
    server_->Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      auth_.Logout(req, res);
    });
    auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
      Send(ErrorReply(absl::UnimplementedError("method not allowed: actiscope's HTTP side is "
                                               "read-only (GET; POST only for /login, /logout)")),
           res);
    };
    server_->Post(".*", not_allowed);
    server_->Put(".*", not_allowed);
    server_->Patch(".*", not_allowed);
    server_->Delete(".*", not_allowed);
    server_->Options(".*", not_allowed);
    // Anything httplib itself rejects (bad request lines, unmatched paths) gets a JSON body.
    server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
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

  // Whether the request may reach its route: the Host check, then authentication. When not,
  // `res` holds the answer.
  bool Admit(const httplib::Request& req, httplib::Response& res) const {
    absl::string_view path = absl::string_view(req.target).substr(0, req.target.find('?'));
    if (path == "/healthz") return true;
    if (absl::Status s = CheckHost(req.get_header_value("Host"), options_.allowed_hosts); !s.ok()) {
      Send(ErrorReply(s), res);
      return false;
    }
    if (!auth_.enabled() || IsLoginPath(path)) return true;
    return auth_.Allow(req, IsApiPath(path) || path == "/metrics", res);
  }

  void HandleGet(const httplib::Request& req, httplib::Response& res) {
    const std::string& target = req.target;
    const absl::string_view path = absl::string_view(target).substr(0, target.find('?'));
    if (path == "/healthz") {
      if (options_.health != nullptr && !options_.health->Serving()) {
        res.status = 503;
        res.set_content(
            absl::StrCat("not serving: the store cannot commit: ", options_.health->Reason(), "\n"),
            "text/plain; charset=utf-8");
        return;
      }
      res.set_content("ok\n", "text/plain; charset=utf-8");
      return;
    }
    if (path == "/metrics") {
      res.set_header("Cache-Control", "no-store");
      const IngestCounters::Snapshot ingest = options_.ingest_counters != nullptr
                                                  ? options_.ingest_counters->Read()
                                                  : IngestCounters::Snapshot();
      res.set_content(MetricsText(store_->Stats(), ingest), kMetricsContentType);
      return;
    }
    if (IsApiPath(target.substr(0, target.find('?')))) {
      res.set_header("Cache-Control", "no-store");
      std::string run_id;
      if (IsEventsRoute(target, &run_id)) {
        ServeEvents(run_id, req.remote_addr, res);
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

  void ServeEvents(const std::string& run_id, const std::string& client, httplib::Response& res) {
    absl::StatusOr<std::unique_ptr<EventStream>> stream = events_.Open(run_id, client);
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
  SqliteStore* const store_;
  HttpApi api_;
  EventStreams events_;
  SessionStore sessions_;
  HttpAuth auth_;
  std::unique_ptr<TlsContext> tls_;
  std::unique_ptr<StaticFiles> static_files_;
  std::unique_ptr<HardenedServer> server_;
  std::thread thread_;
  std::atomic<bool> listen_returned_{false};
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
