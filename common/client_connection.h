// How every actiscope client (the client library's reporter and SyncSpool, the `actiscope` CLI,
// actiscope-train, actiscope-loadgen) reaches actiscope-server: the address forms, TLS, the
// bearer token, keepalive, and the hint that turns an authentication or TLS failure into
// something a user can act on. The server's side of the same contract is server/auth/ (tokens)
// and the server's TLS flags.
//
// Address forms (ConnectionOptions::address):
//   HOST:PORT                         plaintext, or TLS when tls_ca_file or a client cert is set
//   grpc://HOST:PORT, http://HOST:PORT    plaintext
//   grpcs://HOST:PORT, https://HOST:PORT  TLS; the system's roots unless tls_ca_file is set
// HOST is a name, an IPv4 address or a bracketed IPv6 address ([::1]); PORT is 1-65535; a URL
// may end in one '/'.
//
// The token travels as `authorization: Bearer TOKEN` metadata that AttachToken adds to each
// call, not as gRPC call credentials: gRPC refuses call credentials on a plaintext channel, and
// a token must work on loopback without TLS too.
//
// Example:
//   ConnectionOptions options;
//   options.address = "grpcs://collector.example:50051";
//   ACTISCOPE_ASSIGN_OR_RETURN(options.token, ResolveToken(token_file_flag));
//   ACTISCOPE_ASSIGN_OR_RETURN(auto channel, MakeChannel(options));
//   auto stub = v1::Query::NewStub(channel);
//   grpc::ClientContext context;
//   AttachToken(options.token, &context);
//   absl::Status s = FromGrpcStatus(stub->ListRuns(&context, request, &response), "runs");
//   if (!s.ok()) return ExplainConnectionError(s, options);
//
// Thread-safety: pure functions (ResolveToken reads the environment and a file).
#ifndef ACTISCOPE_COMMON_CLIENT_CONNECTION_H_
#define ACTISCOPE_COMMON_CLIENT_CONNECTION_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace actiscope {

// The environment variable a client reads its token from when no token file is given.
inline constexpr char kTokenEnvironmentVariable[] = "ACTISCOPE_TOKEN";

struct ConnectionOptions {
  std::string address;  // One of the forms above.
  std::string token;    // Sent as a bearer token on every call; empty: no authorization.
  // PEM file of the authorities that may sign the server's certificate. Empty: plaintext for
  // HOST:PORT, the system's roots for grpcs:// and https://.
  std::string tls_ca_file;
  // PEM files of a client certificate and its key, for a server that requires mutual TLS.
  // Both or neither; either makes HOST:PORT use TLS.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// Where to connect and how, as parsed from ConnectionOptions.
struct Endpoint {
  std::string target;  // HOST:PORT, the gRPC target.
  bool tls = false;
};

// Parses options.address against the TLS settings. INVALID_ARGUMENT listing the accepted forms
// for a malformed address; INVALID_ARGUMENT as well for a TLS setting on an explicitly
// plaintext address (grpc://, http://) and for a client certificate without its key or the
// reverse.
absl::StatusOr<Endpoint> ParseEndpoint(const ConnectionOptions& options);

// A channel to options.address (it connects lazily, on the first call). TLS reads the PEM files
// now: NOT_FOUND / PERMISSION_DENIED / INVALID_ARGUMENT naming the file when one cannot be read
// or is empty; errors of ParseEndpoint otherwise. Adds keepalive to `args` (a ping after 30 s
// without activity while a call is open, the connection dropped when it is not answered within
// 10 s; no pings without calls), so a watch or a long Push stream notices a dead peer.
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ConnectionOptions& options, grpc::ChannelArguments args = grpc::ChannelArguments());

// Adds `authorization: Bearer TOKEN` to the call's metadata; nothing when `token` is empty.
// Call before the call starts, once per ClientContext.
void AttachToken(const std::string& token, grpc::ClientContext* context);

// The token a client sends: with `token_file` set, the file's first line with surrounding
// whitespace removed (NOT_FOUND / PERMISSION_DENIED naming the file when it cannot be read,
// INVALID_ARGUMENT when its first line is blank; a warning on stderr when group or others may
// read it); otherwise $ACTISCOPE_TOKEN, trimmed; otherwise "".
absl::StatusOr<std::string> ResolveToken(const std::string& token_file);

// `status` (of a call made with `options`) with a hint appended to its message for the
// failures a user fixes on their side: UNAUTHENTICATED (no or a wrong token), PERMISSION_DENIED
// (the token's role does not allow the call) and, on a TLS connection, UNAVAILABLE (the
// handshake may have failed). Any other status is returned unchanged.
absl::Status ExplainConnectionError(const absl::Status& status, const ConnectionOptions& options);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_CLIENT_CONNECTION_H_
