// The rule that keeps an unprotected collector off the network: actiscope-server listens on a
// non-loopback address only with both TLS (--tls_cert, --tls_key) and tokens (--auth_tokens),
// unless its operator says the network is trusted (--allow_insecure_network). server_main.cc
// checks each listening address (gRPC and HTTP) here before anything binds.
//
// Loopback: 127.0.0.0/8, ::1 (bracketed or not) and "localhost". Everything else — 0.0.0.0,
// [::], a LAN address, any other name — can be reached from other machines.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_AUTH_NETWORK_POLICY_H_
#define ACTISCOPE_SERVER_AUTH_NETWORK_POLICY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

// Whether the host of `address` (HOST:PORT, [V6]:PORT) is a loopback address or localhost.
bool IsLoopbackAddress(absl::string_view address);

struct ListenerProtection {
  bool tls = false;
  bool tokens = false;
  bool allow_insecure_network = false;
};

// OK when `what` ("gRPC", "HTTP") may listen on `address` with `protection`; otherwise
// FAILED_PRECONDITION with one line naming the address, what is missing and the flags that
// supply it.
absl::Status CheckListenerProtection(absl::string_view what, absl::string_view address,
                                     const ListenerProtection& protection);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_AUTH_NETWORK_POLICY_H_
