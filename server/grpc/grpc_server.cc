#include "server/grpc/grpc_server.h"

#include <grpc/grpc.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

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

}  // namespace

GrpcServer::GrpcServer(GrpcServerOptions options, SqliteStore* store, RunNotifier* notifier)
    : options_(std::move(options)),
      collector_(CollectorOptions{options_.max_message_bytes}, store, notifier),
      query_(options_.query, store, notifier) {}

GrpcServer::~GrpcServer() {
  if (server_ != nullptr) Shutdown(absl::ZeroDuration());
}

absl::Status GrpcServer::Start() {
  if (options_.max_message_bytes == 0 || options_.max_message_bytes > INT_MAX) {
    return absl::InvalidArgumentError(absl::StrCat("gRPC: max_message_bytes must be in [1, ",
                                                   INT_MAX, "], got ", options_.max_message_bytes));
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(options_.reflection));
  builder.AddListeningPort(options_.address, grpc::InsecureServerCredentials(), &port_);
  // Without this a second server on a busy port would silently share it (SO_REUSEPORT).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  grpc::ResourceQuota quota("actiscope-grpc");
  quota.SetMaxThreads(options_.max_threads);
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

void GrpcServer::Shutdown(absl::Duration deadline) {
  if (server_ == nullptr) return;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + deadline));
  server_->Wait();
  server_.reset();
}

}  // namespace actiscope::server
