// Whether a host name or address is this machine's loopback: 127.0.0.0/8, ::1 and "localhost"
// (any case). The server's network policy (server/auth/network_policy.h) uses it to keep an
// unprotected collector off the network; actiscope-train uses it to tell that the ranks of a
// run share one machine (a loopback rendezvous).
//
// Thread-safety: pure function.
#ifndef ACTISCOPE_COMMON_LOOPBACK_H_
#define ACTISCOPE_COMMON_LOOPBACK_H_

#include "absl/strings/string_view.h"

namespace actiscope {

// `host` is a bare host: no port, no brackets around an IPv6 address.
bool IsLoopbackHost(absl::string_view host);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_LOOPBACK_H_
