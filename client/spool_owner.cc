// Spool file names and owner lock files (flock).
#include "client/spool_owner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace actiscope::client {
namespace {

constexpr absl::string_view kSegmentPrefix = "segment-";
constexpr absl::string_view kSegmentSuffix = ".spool";
constexpr absl::string_view kLockPrefix = "owner-";
constexpr absl::string_view kLockSuffix = ".lock";

bool IsOwnerId(absl::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z'))) return false;
  }
  return true;
}

bool IsHex16(absl::string_view s, uint64_t* value) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return absl::SimpleHexAtoi(s, value);
}

}  // namespace

std::optional<SpoolFileName> ParseSpoolFileName(absl::string_view name) {
  SpoolFileName parsed;
  if (absl::ConsumePrefix(&name, kLockPrefix) && absl::ConsumeSuffix(&name, kLockSuffix)) {
    if (!IsOwnerId(name)) return std::nullopt;
    parsed.lock = true;
    parsed.owner = std::string(name);
    return parsed;
  }
  if (!absl::ConsumePrefix(&name, kSegmentPrefix) || !absl::ConsumeSuffix(&name, kSegmentSuffix)) {
    return std::nullopt;
  }
  const size_t dash = name.rfind('-');
  const absl::string_view owner =
      dash == absl::string_view::npos ? kLegacyOwner : name.substr(0, dash);
  const absl::string_view number = dash == absl::string_view::npos ? name : name.substr(dash + 1);
  if (!IsOwnerId(owner) || !IsHex16(number, &parsed.number)) return std::nullopt;
  parsed.owner = std::string(owner);
  return parsed;
}

std::string SegmentFileName(absl::string_view owner, uint64_t number) {
  return absl::StrFormat("%s%s-%016x%s", kSegmentPrefix, owner, number, kSegmentSuffix);
}

std::string LockFileName(absl::string_view owner) {
  return absl::StrCat(kLockPrefix, owner, kLockSuffix);
}

std::string NewOwnerId() {
  std::random_device device;
  const uint64_t random = (uint64_t{device()} << 32) ^ device();
  return absl::StrFormat("%016x", random);
}

absl::StatusOr<std::unique_ptr<OwnerLock>> OwnerLock::Create(const std::string& dir,
                                                             const std::string& owner) {
  const std::string path = absl::StrCat(dir, "/", LockFileName(owner));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("create spool lock ", path, ": ", std::strerror(errno)));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const absl::Status error =
        absl::InternalError(absl::StrCat("lock ", path, ": ", std::strerror(errno)));
    ::close(fd);
    ::unlink(path.c_str());
    return error;
  }
  return std::unique_ptr<OwnerLock>(new OwnerLock(path, fd));
}

std::unique_ptr<OwnerLock> OwnerLock::TryTake(const std::string& dir, const std::string& owner) {
  const std::string path = absl::StrCat(dir, "/", LockFileName(owner));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return nullptr;
  struct stat held, named;
  // The inode check: a previous holder may have unlinked the file after our open.
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || ::fstat(fd, &held) != 0 ||
      ::stat(path.c_str(), &named) != 0 || held.st_ino != named.st_ino ||
      held.st_dev != named.st_dev) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<OwnerLock>(new OwnerLock(path, fd));
}

OwnerLock::~OwnerLock() { ::close(fd_); }

void OwnerLock::Unlink() { ::unlink(path_.c_str()); }

}  // namespace actiscope::client
