// The reporter's disk spool: PushRequests that could not stay in memory (collector down or
// slow, memory bound reached, offline mode), kept in append-only, checksummed segment files
// (format in spool_segment.h) and replayed once the collector is back, by this process, the
// next Reporter with the same directory, or SyncSpool (`actiscope sync DIR`).
//
// Several processes may share one directory (the ranks of a node, `actiscope sync` beside a
// trainer). Each Spool is an owner (spool_owner.h): it writes only segments named with its own
// owner id, numbered from 0, under its flock'ed lock file, so no two processes append to or
// collide on one segment. A Spool holds its own segments and those it adopted from dead owners
// (whose lock it took, at Open or a later Rescan); it never holds a live owner's segments,
// which that owner replays. One segment holds the requests of one run; a Spool's segments are
// replayed in increasing number, owner by owner.
//
// Durability (SpoolFsync, reporter.h): records are written with write(2), so they survive the
// death of the process. kOnSeal (the default) also fsyncs a segment, and the directory, when
// the segment is sealed (rotated, Seal(), destruction), so sealed segments survive the death
// of the machine; kEveryRecord fsyncs after each record (and the directory after creating a
// segment); kNever never fsyncs.
//
// A segment file that vanishes (removed by another process or by hand) is dropped from the
// index by Remove or Rescan.
//
// Thread-safety: a Spool is thread-safe (the batcher appends while the sender replays).
#ifndef ACTISCOPE_CLIENT_SPOOL_H_
#define ACTISCOPE_CLIENT_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/collector.pb.h"
#include "client/spool_owner.h"
#include "client/spool_segment.h"

namespace actiscope::client {

// A segment a Spool holds and has sealed.
struct HeldSegment {
  std::string path;
  uint64_t frames = 0;  // Frames written to it (own), or parsed from it and known lost (adopted).
  bool own = false;     // Written by this Spool; else adopted from a dead owner.
};

class Spool {
 public:
  // Segments are rotated at this size.
  static constexpr size_t kSegmentBytes = size_t{4} << 20;

  // Opens (creating it if missing) the spool in `dir`: creates this Spool's lock file and
  // adopts the segments of dead owners (Rescan). `bound_bytes` bounds the total size of the
  // segments this Spool holds. INTERNAL naming the path and errno's text on I/O errors.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::string& dir, size_t bound_bytes,
                                                     SpoolFsync fsync = SpoolFsync::kOnSeal);
  // Seals the open segment. Removes the lock files of this Spool and of adopted owners that
  // have no segment left, and releases the others (their segments become adoptable).
  ~Spool();

  const std::string& owner() const { return owner_; }

  // Appends `request` (holding `frames` frames) for `run`. RESOURCE_EXHAUSTED, with nothing
  // written, when the held segments would exceed the bound; INTERNAL (naming the file and
  // errno's text) when the segment cannot be created or written: a failed write ends its
  // segment, whose earlier records stay readable.
  [[nodiscard]] absl::Status Append(const v1::RunSpec& run, const v1::PushRequest& request,
                                    uint32_t frames);
  // Closes the segment being appended to (fsyncing it per the policy), so that every held
  // segment can be replayed.
  void Seal();
  // The held segments except the one being appended to, in replay order.
  std::vector<HeldSegment> SealedSegments() const;
  // Every held segment, the one being appended to included.
  std::vector<HeldSegment> HeldSegments() const;
  // Deletes a held segment (after its requests were delivered or given up) and forgets it; a
  // file already gone is forgotten all the same. INTERNAL when unlink fails otherwise.
  [[nodiscard]] absl::Status Remove(const std::string& path);
  // Lists the directory again: adopts the segments of owners that died since, forgets held
  // segments whose file vanished, and recounts live owners' frames (for frames()). Returns the
  // number of segments newly adopted.
  size_t Rescan();

  bool empty() const;             // Holds no segment (own or adopted).
  bool has_own_segments() const;  // Holds a segment written by this Spool.
  uint64_t held_frames() const;   // Frames in the held segments.
  size_t bytes() const;           // Bytes of the held segments.
  // Frames in every segment of the directory: the held ones and, as of Open or the last
  // Rescan, those of live owners.
  uint64_t frames() const;
  uint64_t fsyncs() const;  // fsync(2) calls made so far (files and directory).

 private:
  struct Segment {
    size_t bytes = 0;
    uint64_t frames = 0;
    std::string owner;
  };
  Spool(std::string dir, size_t bound_bytes, SpoolFsync fsync, std::string owner,
        std::unique_ptr<OwnerLock> lock);
  [[nodiscard]] absl::Status StartSegment(const v1::RunSpec& run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  [[nodiscard]] absl::Status WriteRecord(const std::string& record, uint32_t frames)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Closes the open segment; fsyncs it first when `sync` and the policy is not kNever.
  void CloseOpen(bool sync) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SyncDirectory() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the locks of adopted owners that have no held segment left, removing their files.
  void ReleaseFinishedOwners() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  const size_t bound_bytes_;
  const SpoolFsync fsync_;
  const std::string owner_;
  const std::unique_ptr<OwnerLock> lock_;
  mutable absl::Mutex mu_;
  uint64_t next_number_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, Segment> held_ ABSL_GUARDED_BY(mu_);  // By path: replay order.
  std::map<std::string, std::unique_ptr<OwnerLock>> adopted_ ABSL_GUARDED_BY(mu_);  // By owner.
  std::map<std::string, Segment> live_others_ ABSL_GUARDED_BY(mu_);  // Live owners', by path.
  size_t held_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t fsyncs_ ABSL_GUARDED_BY(mu_) = 0;
  int open_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string open_path_ ABSL_GUARDED_BY(mu_);
  std::string open_run_id_ ABSL_GUARDED_BY(mu_);
  uint64_t open_frames_ ABSL_GUARDED_BY(mu_) = 0;  // Request frames in the open segment.
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SPOOL_H_
