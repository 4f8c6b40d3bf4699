// CallAuthorizer: who is calling, for every Collector and Query handler. With a TokenRegistry
// (actiscope-server --auth_tokens, server/auth/token_registry.h) each call must carry
// `authorization: Bearer TOKEN` metadata of a token whose role allows the method; the handler
// asks Authorize first, before it reads its request or touches the store. Without a registry
// the server is open (it then listens on loopback only, server/auth/network_policy.h) and every
// caller is an anonymous admin. The health service and server reflection (--reflection) are
// not handlers of ours and need no token: they describe the server, not its data.
//
// PeerKey names the caller for the per-peer stream limits (stream_admission.h): the token's
// NAME and the IP address the call came from ("trainer-1@10.0.0.7"), or the IP alone on an
// open server. Tokens are never logged or echoed in a status; names may be.
//
// Thread-safety: immutable; safe to call concurrently.
#ifndef ACTISCOPE_SERVER_GRPC_CALL_AUTH_H_
#define ACTISCOPE_SERVER_GRPC_CALL_AUTH_H_

#include <grpcpp/server_context.h>

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/auth/token_registry.h"

namespace actiscope::server {

class CallAuthorizer {
 public:
  // `tokens` null: an open server. It must outlive the authorizer.
  explicit CallAuthorizer(const TokenRegistry* tokens) : tokens_(tokens) {}

  // The caller of `context`, allowed to call `method` (e.g. "Push") which needs `needed`.
  // UNAUTHENTICATED for a missing, malformed or unknown token; PERMISSION_DENIED naming the
  // token's name and role for a role that does not allow the method.
  absl::StatusOr<Caller> Authorize(const grpc::ServerContext& context, Role needed,
                                   absl::string_view method) const;

  // "NAME@IP" with tokens, "IP" without (IP from the call's peer address).
  std::string PeerKey(const grpc::ServerContext& context, const Caller& caller) const;

 private:
  const TokenRegistry* const tokens_;
};

// The IP address of a gRPC peer string ("ipv4:10.0.0.7:5555" -> "10.0.0.7",
// "ipv6:[::1]:5555" or "ipv6:%5B::1%5D:5555" -> "::1"); the string itself for another form.
std::string PeerIp(absl::string_view peer);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_CALL_AUTH_H_
