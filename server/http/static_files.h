// StaticFiles: serves the web page's files from one folder (the web root) and nothing else.
// HttpServer (server/http/http_server.h) hands it the raw request target for every non-API GET.
//
// The page's client-side routes ("/", "/runs", "/runs/...", "/compare...") all serve
// index.html whatever follows, since they name no file. Any other path is a file path and
// is accepted only when every segment is made of [A-Za-z0-9._-], does not start with '.',
// and the path holds no '%', '\\' or NUL; so "..", "%2e%2e", encoded slashes and
// backslashes are rejected (INVALID_ARGUMENT) before the file system is touched. The
// resolved file must still lie under the root after symlinks are followed, and must be a
// regular file of a known type (by extension) of at most kMaxStaticFileBytes.
//
// Thread-safety: immutable after construction; Read may be called concurrently.
#ifndef ACTISCOPE_SERVER_HTTP_STATIC_FILES_H_
#define ACTISCOPE_SERVER_HTTP_STATIC_FILES_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

inline constexpr size_t kMaxStaticFileBytes = 8 << 20;

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // `root` is the web folder; empty means there is none (every Read is UNAVAILABLE).
  explicit StaticFiles(std::string root);

  // The file for a request target such as "/app.js" or "/runs/abc?x=1" (the query is
  // ignored). INVALID_ARGUMENT for an unsafe path, NOT_FOUND for a missing file or an
  // unknown type, UNAVAILABLE when there is no web root.
  absl::StatusOr<StaticFile> Read(absl::string_view target) const;

  const std::string& root() const { return root_; }

 private:
  std::string root_;  // Canonical (realpath) form; empty when unusable.
};

// The Content-Type for a file name by its extension; empty for types that are not served.
std::string ContentTypeFor(absl::string_view file_name);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_STATIC_FILES_H_
