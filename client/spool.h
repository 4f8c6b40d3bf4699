// The reporter's disk spool: PushRequests that could not stay in memory (collector down or
// slow, memory bound reached, offline mode), kept in append-only, checksummed segment files
// and replayed in order once the collector is back, by this process, the next Reporter with
// the same directory, or SyncSpool (`actiscope sync DIR`).
//
// Directory: segment-<16 hex digits>.spool files, replayed in increasing number; one segment
// holds the requests of one run. Format of a segment (integers little-endian):
//   segment := record*
//   record  := length:fixed32 crc:fixed32 body      length = |body|, crc = Crc32c(body)
//   body    := type:u8 frames:varint message
//     type 1: message is the serialized v1::RunSpec of the run (first record of a segment)
//     type 2: message is a serialized v1::PushRequest holding `frames` frames
// A process killed mid-write leaves a truncated or mismatching last record: ReadSegment keeps
// the records before it and reports the corrupt tail. Records are written with write(2)
// without fsync: they survive the death of the process, not of the machine.
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
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/v1/collector.pb.h"

namespace actiscope::client {

struct SpooledRequest {
  v1::PushRequest request;
  uint32_t frames = 0;
};

struct SegmentContents {
  v1::RunSpec run;
  std::vector<SpooledRequest> requests;
  bool corrupt_tail = false;  // Bytes after the last good record were ignored.
};

// Reads a segment. NOT_FOUND when it does not exist; DATA_LOSS when not even its RunSpec
// record is readable.
absl::StatusOr<SegmentContents> ReadSegment(const std::string& path);
// The same from a segment's bytes (ReadSegment's parser; fuzzed by tests/fuzz).
absl::StatusOr<SegmentContents> ParseSegment(absl::string_view data);

class Spool {
 public:
  // Segments are rotated at this size.
  static constexpr size_t kSegmentBytes = size_t{4} << 20;

  // Opens (creating it if missing) the spool in `dir`, indexing the segments already there.
  // `bound_bytes` bounds the total size of the segment files.
  static absl::StatusOr<std::unique_ptr<Spool>> Open(const std::string& dir, size_t bound_bytes);
  ~Spool();

  // Appends `request` (holding `frames` frames) for `run`. RESOURCE_EXHAUSTED, with nothing
  // written, when the spool would exceed its bound; INTERNAL on I/O errors.
  [[nodiscard]] absl::Status Append(const v1::RunSpec& run, const v1::PushRequest& request,
                                    uint32_t frames);
  // Closes the segment being appended to, so that every segment can be replayed.
  void Seal();
  // The paths of the sealed segments, oldest first.
  std::vector<std::string> SealedSegments() const;
  // Deletes a segment (after all its requests were acknowledged).
  [[nodiscard]] absl::Status Remove(const std::string& path);

  bool empty() const;
  uint64_t frames() const;  // Frames in all segments.
  size_t bytes() const;

 private:
  struct Segment {
    size_t bytes = 0;
    uint64_t frames = 0;
  };
  Spool(std::string dir, size_t bound_bytes, uint64_t next_number,
        std::map<std::string, Segment> segments);
  [[nodiscard]] absl::Status StartSegment(const v1::RunSpec& run)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  [[nodiscard]] absl::Status WriteRecord(uint8_t type, uint32_t frames, const std::string& message)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CloseOpen() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string dir_;
  const size_t bound_bytes_;
  mutable absl::Mutex mu_;
  uint64_t next_number_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Segment> segments_ ABSL_GUARDED_BY(mu_);  // Path -> size; sorted.
  size_t total_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  int open_fd_ ABSL_GUARDED_BY(mu_) = -1;
  std::string open_path_ ABSL_GUARDED_BY(mu_);
  std::string open_run_id_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SPOOL_H_
