#include "server/grpc/call_auth.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace actiscope::server {

absl::StatusOr<Caller> CallAuthorizer::Authorize(const grpc::ServerContext& context, Role needed,
                                                 absl::string_view method) const {
  if (tokens_ == nullptr) return Caller{Role::kAdmin, ""};
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        absl::StrCat(method,
                     ": no token: this server requires `authorization: Bearer TOKEN` (clients: "
                     "--token_file=FILE or ACTISCOPE_TOKEN)"));
  }
  const std::optional<absl::string_view> token =
      BearerToken(absl::string_view(it->second.data(), it->second.size()));
  if (!token.has_value()) {
    return absl::UnauthenticatedError(
        absl::StrCat(method, ": the authorization metadata is not of the form \"Bearer TOKEN\""));
  }
  std::optional<Caller> caller = tokens_->Find(*token);
  if (!caller.has_value()) {
    return absl::UnauthenticatedError(
        absl::StrCat(method, ": token not accepted: it is not in the server's --auth_tokens file"));
  }
  if (!RoleAllows(caller->role, needed)) {
    return absl::PermissionDeniedError(
        absl::StrCat(method, ": token \"", caller->name, "\" has role ", RoleName(caller->role),
                     "; ", method, " needs role ", RoleName(needed), " or admin"));
  }
  return *std::move(caller);
}

std::string CallAuthorizer::PeerKey(const grpc::ServerContext& context,
                                    const Caller& caller) const {
  const std::string ip = PeerIp(context.peer());
  return tokens_ == nullptr ? ip : absl::StrCat(caller.name, "@", ip);
}

std::string PeerIp(absl::string_view peer) {
  if (absl::ConsumePrefix(&peer, "ipv6:")) {
    if (absl::ConsumePrefix(&peer, "[") || absl::ConsumePrefix(&peer, "%5B")) {
      size_t end = peer.find(']');
      if (end == absl::string_view::npos) end = peer.find("%5D");
      return std::string(end == absl::string_view::npos ? peer : peer.substr(0, end));
    }
    return std::string(peer);
  }
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    const size_t colon = peer.rfind(':');
    return std::string(colon == absl::string_view::npos ? peer : peer.substr(0, colon));
  }
  return std::string(peer);
}

}  // namespace actiscope::server
