// FindWebRoot: where actiscope-server finds the web page's files (the web/ folder) without
// being told, so the server works installed, from a build folder and from the source tree.
// HttpServer (server/http/http_server.h) calls it when HttpServerOptions::web_root is empty.
//
// Candidates, first that holds index.html wins:
//   1. <dir of the running binary>/../share/actiscope/web   (installed)
//   2. <dir of the running binary>/web
//   3. ACTISCOPE_SOURCE_WEB_DIR, the source tree's web/ baked in at compile time.
//
// Thread-safety: safe to call concurrently.
#ifndef ACTISCOPE_SERVER_HTTP_WEB_ROOT_H_
#define ACTISCOPE_SERVER_HTTP_WEB_ROOT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace actiscope::server {

// The candidate folders above, in order (those that cannot be computed are left out).
std::vector<std::string> WebRootCandidates();

// The first candidate holding index.html; NOT_FOUND listing where it looked otherwise.
absl::StatusOr<std::string> FindWebRoot();

// Whether `dir` holds index.html.
bool IsWebRoot(const std::string& dir);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_WEB_ROOT_H_
