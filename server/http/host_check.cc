#include "server/http/host_check.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace actiscope::server {
namespace {

bool IsIpLiteral(const std::string& name, bool bracketed) {
  unsigned char address[sizeof(in6_addr)];
  if (bracketed) return inet_pton(AF_INET6, name.c_str(), address) == 1;
  return inet_pton(AF_INET, name.c_str(), address) == 1;
}

}  // namespace

absl::Status CheckHost(absl::string_view host, const std::vector<std::string>& allowed_hosts) {
  if (host.empty() || host.size() > 255) {
    return absl::InvalidArgumentError(
        "request without a valid Host header: send the server's name or address as Host");
  }
  std::string name;
  bool bracketed = false;
  absl::string_view port;
  if (host.front() == '[') {
    size_t close = host.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("malformed Host header \"", host, "\""));
    }
    name = std::string(host.substr(1, close - 1));
    bracketed = true;
    absl::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || rest.size() == 1)) {
      return absl::InvalidArgumentError(absl::StrCat("malformed Host header \"", host, "\""));
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    size_t colon = host.find(':');
    name = std::string(host.substr(0, colon));
    if (colon != absl::string_view::npos) port = host.substr(colon + 1);
    if (colon != absl::string_view::npos && port.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("malformed Host header \"", host, "\""));
    }
  }
  int port_number = 0;
  if (!port.empty() &&
      (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed Host header \"", host, "\""));
  }
  absl::AsciiStrToLower(&name);
  if (name.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed Host header \"", host, "\""));
  }
  if (IsIpLiteral(name, bracketed) || name == "localhost") return absl::OkStatus();
  if (!bracketed &&
      std::any_of(allowed_hosts.begin(), allowed_hosts.end(), [&](const std::string& allowed) {
        return absl::EqualsIgnoreCase(allowed, name);
      })) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("host \"", name,
                   "\" is not allowed (protection against DNS rebinding): open the page by "
                   "IP address or localhost, or start actiscope-server with --http_allowed_hosts=",
                   name));
}

}  // namespace actiscope::server
