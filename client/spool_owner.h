// Who owns which files of a spool directory that several processes share (the ranks of a node,
// `actiscope sync` beside a trainer): the file names, and the lock file by which a live
// process holds its segments.
//
// Names in a spool directory:
//   owner-<owner>.lock              the owner's lock file; a live owner holds flock(LOCK_EX) on it
//   segment-<owner>-<16 hex>.spool  segment number <16 hex> written by <owner>
//   segment-<16 hex>.spool          a segment of an earlier version, owner "legacy"
// <owner> is 16 random hex digits, chosen by each Spool when it opens. A lock file that can be
// flock'ed (and still names the inode that was locked) belongs to a dead owner: whoever locks
// it may replay that owner's segments, and holds it while doing so, so that no two processes
// replay the same segments. An owner's lock file is removed, while locked, once it has no
// segments left. flock is per open file description: two OwnerLocks of one process exclude
// each other as two processes' do.
//
// Thread-safety: pure functions; an OwnerLock is not shared between threads.
#ifndef ACTISCOPE_CLIENT_SPOOL_OWNER_H_
#define ACTISCOPE_CLIENT_SPOOL_OWNER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::client {

inline constexpr absl::string_view kLegacyOwner = "legacy";

// A file name of a spool directory, parsed.
struct SpoolFileName {
  bool lock = false;  // An owner's lock file; else a segment.
  std::string owner;
  uint64_t number = 0;  // Segments only.
};

// Nullopt for a name that is neither a segment nor a lock file.
std::optional<SpoolFileName> ParseSpoolFileName(absl::string_view name);
std::string SegmentFileName(absl::string_view owner, uint64_t number);
std::string LockFileName(absl::string_view owner);
// 16 random hex digits (std::random_device).
std::string NewOwnerId();

// A held lock of one owner's segments.
class OwnerLock {
 public:
  // Creates and locks the lock file of a new `owner` in `dir`. INTERNAL naming the file and
  // errno's text when it cannot.
  static absl::StatusOr<std::unique_ptr<OwnerLock>> Create(const std::string& dir,
                                                           const std::string& owner);
  // Locks `owner`'s lock file (creating it when missing) if no live process holds it. Null
  // when one does, when the file was removed or replaced meanwhile, or on an I/O error.
  static std::unique_ptr<OwnerLock> TryTake(const std::string& dir, const std::string& owner);
  ~OwnerLock();  // Closes the file, which releases the lock.
  OwnerLock(const OwnerLock&) = delete;
  OwnerLock& operator=(const OwnerLock&) = delete;

  // Removes the lock file (the lock is held until destruction); ENOENT is not an error.
  void Unlink();

 private:
  OwnerLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SPOOL_OWNER_H_
