#include "server/http/static_files.h"

#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace actiscope::server {
namespace {

std::string Canonical(const std::string& path) {
  char resolved[PATH_MAX];
  if (path.empty() || realpath(path.c_str(), resolved) == nullptr) return "";
  return resolved;
}

bool IsSafeSegment(absl::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;
  for (char c : segment) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

// Client-side routes of the single-page app, served as index.html.
bool IsAppRoute(absl::string_view path) {
  return path == "/" || path == "/compare" || path == "/runs" || absl::StartsWith(path, "/runs/") ||
         absl::StartsWith(path, "/compare/");
}

}  // namespace

std::string ContentTypeFor(absl::string_view file_name) {
  size_t dot = file_name.rfind('.');
  if (dot == absl::string_view::npos) return "";
  std::string ext = absl::AsciiStrToLower(file_name.substr(dot + 1));
  if (ext == "html") return "text/html; charset=utf-8";
  // Not "text/...": cpp-httplib would brotli-compress it at quality 11 on every request.
  if (ext == "js" || ext == "mjs") return "application/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "ico") return "image/x-icon";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "";
}

StaticFiles::StaticFiles(std::string root) : root_(Canonical(root)) {}

absl::StatusOr<StaticFile> StaticFiles::Read(absl::string_view target) const {
  absl::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path.front() != '/') {
    return absl::InvalidArgumentError("static path: not allowed");
  }
  // App routes name no file (the page reads its path itself), so their rest is never used.
  std::string relative = "index.html";
  if (path == "/login") {
    relative = "login.html";
  } else if (!IsAppRoute(path)) {
    if (path.find_first_of(std::string("%\\\0", 3)) != absl::string_view::npos) {
      return absl::InvalidArgumentError("static path: not allowed");
    }
    std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
    for (absl::string_view segment : segments) {
      if (!IsSafeSegment(segment)) return absl::InvalidArgumentError("static path: not allowed");
    }
    relative = std::string(path.substr(1));
  }
  if (root_.empty()) return absl::UnavailableError("static files: no web root found");
  std::string content_type = ContentTypeFor(relative);
  if (content_type.empty()) return absl::NotFoundError("static file: unknown type");

  std::string resolved = Canonical(absl::StrCat(root_, "/", relative));
  struct stat info;
  if (resolved.empty() || !absl::StartsWith(resolved, absl::StrCat(root_, "/")) ||
      stat(resolved.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return absl::NotFoundError("static file: not found");
  }
  if (static_cast<size_t>(info.st_size) > kMaxStaticFileBytes) {
    return absl::NotFoundError("static file: too large");
  }
  std::ifstream in(resolved, std::ios::binary);
  if (!in) return absl::NotFoundError("static file: not readable");
  std::ostringstream body;
  body << in.rdbuf();
  return StaticFile{std::move(content_type), std::move(body).str()};
}

}  // namespace actiscope::server
