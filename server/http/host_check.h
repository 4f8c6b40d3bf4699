// The Host allowlist of the HTTP side, its defence against DNS rebinding: a page on another
// site that makes its own name resolve to this server's address sends requests whose Host
// header is that name. HttpServer (server/http/http_server.h) checks every request but
// /healthz here before anything else.
//
// Allowed: an IP literal ("127.0.0.1:8080", "[::1]:8080"), "localhost", or a name listed in
// --http_allowed_hosts (compared without the port, case-insensitively). Pure function.
#ifndef ACTISCOPE_SERVER_HTTP_HOST_CHECK_H_
#define ACTISCOPE_SERVER_HTTP_HOST_CHECK_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

// OK when `host` (a Host header value without its port or with it) is allowed; INVALID_ARGUMENT
// for an empty or malformed value; PERMISSION_DENIED, naming the flag to set, for any other name.
absl::Status CheckHost(absl::string_view host, const std::vector<std::string>& allowed_hosts);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HOST_CHECK_H_
