#include "server/grpc/grpc_server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"

namespace actiscope::server {
namespace {

// Turns server reflection on or off for one ServerBuilder. Linking gRPC's reflection plugin
// registers it for every server of the process (a static initializer in libgrpc++_reflection),
// so "off" has to remove it, and "on" adds it where it is missing.
class ReflectionOption final : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    grpc::reflection::ProtoServerReflectionPlugin reference;
    const std::string name = reference.name();
    plugins->erase(std::remove_if(plugins->begin(), plugins->end(),
                                  [&](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                                    return plugin->name() == name;
                                  }),
                   plugins->end());
    if (enabled_) {
      plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  bool enabled_;
};

// The whole file at `path`; an error naming it (and `flag`) when it cannot be read or is empty.
absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view flag) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("gRPC TLS: cannot read ", flag, " file ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().find("-----BEGIN") == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("gRPC TLS: ", flag, " file ", path, " holds no PEM block"));
  }
  return text.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const GrpcServerOptions& o) {
  if (o.tls_cert_file.empty() != o.tls_key_file.empty()) {
    return absl::InvalidArgumentError("gRPC TLS: give both --tls_cert and --tls_key, or neither");
  }
  if (o.tls_cert_file.empty()) {
    if (!o.tls_client_ca_file.empty()) {
      return absl::InvalidArgumentError("gRPC TLS: --tls_client_ca needs --tls_cert and --tls_key");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl;
  grpc::SslServerCredentialsOptions::PemKeyCertPair pair;
  ACTISCOPE_ASSIGN_OR_RETURN(pair.cert_chain, ReadPem(o.tls_cert_file, "--tls_cert"));
  ACTISCOPE_ASSIGN_OR_RETURN(pair.private_key, ReadPem(o.tls_key_file, "--tls_key"));
  ssl.pem_key_cert_pairs.push_back(std::move(pair));
  if (!o.tls_client_ca_file.empty()) {
    ACTISCOPE_ASSIGN_OR_RETURN(ssl.pem_root_certs,
                               ReadPem(o.tls_client_ca_file, "--tls_client_ca"));
    ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(ssl);
}

int Millis(absl::Duration d) {
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(d), INT_MAX));
}

StreamLimits PushLimits(const GrpcServerOptions& o) {
  return StreamLimits{"Push",
                      o.max_push_streams,
                      o.max_push_streams_per_peer,
                      "--max_push_streams",
                      "--max_push_streams_per_peer",
                      o.push_idle_timeout};
}

StreamLimits WatchLimits(const GrpcServerOptions& o) {
  return StreamLimits{"WatchRun",
                      o.max_watch_streams,
                      o.max_watch_streams_per_peer,
                      "--max_watch_streams",
                      "--max_watch_streams_per_peer",
                      absl::ZeroDuration()};
}

}  // namespace

GrpcServer::GrpcServer(GrpcServerOptions options, SqliteStore* store, RunNotifier* notifier)
    : options_(std::move(options)),
      authorizer_(options_.tokens),
      push_streams_(PushLimits(options_)),
      watch_streams_(WatchLimits(options_)),
      budget_(options_.ingest_memory_bytes, options_.ingest_memory_wait),
      collector_(CollectorOptions{options_.max_message_bytes, options_.max_frames_per_request,
                                  options_.max_scalars_per_request, options_.max_config_bytes,
                                  options_.alerts},
                 CollectorGuards{&authorizer_, &push_streams_, &budget_, &counters_}, store,
                 notifier),
      query_(options_.query, &authorizer_, &watch_streams_, store, notifier) {}

GrpcServer::~GrpcServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

absl::Status GrpcServer::Start() {
  if (options_.max_message_bytes == 0 || options_.max_message_bytes > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("gRPC: max_message_bytes must be in [1, ",
                                                   INT_MAX, "], got ", options_.max_message_bytes));
  }
  for (const auto& [name, value] :
       {std::pair<const char*, int>{"--max_push_streams", options_.max_push_streams},
        {"--max_push_streams_per_peer", options_.max_push_streams_per_peer},
        {"--max_watch_streams", options_.max_watch_streams},
        {"--max_watch_streams_per_peer", options_.max_watch_streams_per_peer}}) {
    if (value < 1 || value > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("gRPC: ", name, " must be in [1, 100000], got ", value));
    }
  }
  ACTISCOPE_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                             Credentials(options_));
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(options_.reflection));
  builder.AddListeningPort(options_.address, credentials, &port_);
  // Without this a second server on a busy port would silently share it (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, Millis(options_.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, Millis(options_.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  // Clients ping every 30 s while a call is open; pings closer than 10 s count as abuse.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PING_STRIKES, 2);
  if (options_.max_connection_idle > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                               Millis(options_.max_connection_idle));
  }
  if (options_.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, Millis(options_.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30000);
  }
  grpc::ResourceQuota quota("actiscope-grpc");
  quota.SetMaxThreads(options_.max_push_streams + options_.max_watch_streams +
                      GrpcServerOptions::kUnaryThreads);
  builder.SetResourceQuota(quota);
  builder.SetMaxReceiveMessageSize(static_cast<int>(options_.max_message_bytes));
  builder.RegisterService(&collector_);
  builder.RegisterService(&query_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("gRPC: cannot listen on ", options_.address,
                     " (address in use or malformed; use host:port, port 0 picks one)"));
  }
  return absl::OkStatus();
}

void GrpcServer::SetServing(bool serving) {
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health != nullptr) health->SetServingStatus(serving);
}

void GrpcServer::Shutdown(absl::Duration deadline) {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
  server_.reset();
}

}  // namespace actiscope::server
