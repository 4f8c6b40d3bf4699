#include "server/http/web_root.h"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace actiscope::server {
namespace {

std::string ExecutableDir() {
  char buffer[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (n <= 0) return "";
  std::string path(buffer, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

}  // namespace

bool IsWebRoot(const std::string& dir) {
  struct stat info;
  std::string index = absl::StrCat(dir, "/index.html");
  return !dir.empty() && stat(index.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::vector<std::string> WebRootCandidates() {
  std::vector<std::string> candidates;
  std::string exe_dir = ExecutableDir();
  if (!exe_dir.empty()) {
    candidates.push_back(absl::StrCat(exe_dir, "/../share/actiscope/web"));
    candidates.push_back(absl::StrCat(exe_dir, "/web"));
  }
#ifdef ACTISCOPE_SOURCE_WEB_DIR
  candidates.push_back(ACTISCOPE_SOURCE_WEB_DIR);
#endif
  return candidates;
}

absl::StatusOr<std::string> FindWebRoot() {
  std::vector<std::string> candidates = WebRootCandidates();
  for (const std::string& dir : candidates) {
    if (IsWebRoot(dir)) return dir;
  }
  return absl::NotFoundError(
      absl::StrCat("web root: no index.html in any of [", absl::StrJoin(candidates, ", "), "]"));
}

}  // namespace actiscope::server
