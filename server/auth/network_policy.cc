#include "server/auth/network_policy.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/loopback.h"

namespace actiscope::server {
namespace {

// The host of HOST:PORT or [V6]:PORT, brackets removed; the whole input without a port.
absl::string_view HostOf(absl::string_view address) {
  if (absl::ConsumePrefix(&address, "[")) {
    const size_t end = address.find(']');
    return end == absl::string_view::npos ? address : address.substr(0, end);
  }
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos || address.find(':') != colon) return address;
  return address.substr(0, colon);
}

}  // namespace

bool IsLoopbackAddress(absl::string_view address) { return IsLoopbackHost(HostOf(address)); }

absl::Status CheckListenerProtection(absl::string_view what, absl::string_view address,
                                     const ListenerProtection& protection) {
  if (IsLoopbackAddress(address) || protection.allow_insecure_network) return absl::OkStatus();
  if (protection.tls && protection.tokens) return absl::OkStatus();
  const char* missing = !protection.tls && !protection.tokens ? "TLS and tokens"
                        : !protection.tls                     ? "TLS"
                                                              : "tokens";
  return absl::FailedPreconditionError(absl::StrCat(
      "refusing to serve ", what, " on ", address, " without ", missing,
      ": an address other machines can reach needs --tls_cert, --tls_key and --auth_tokens "
      "(deploy/make-credentials.sh makes them; or bind 127.0.0.1, or pass "
      "--allow_insecure_network on a network you trust)"));
}

}  // namespace actiscope::server
