// The format of one spool segment file (spool.h holds the directory of them): the encoding of
// its records and the parser that reads one back, skipping damaged records.
//
// Format of a segment (integers little-endian, varints as common/varint.h):
//   segment := record*
//   record  := length:fixed32 crc:fixed32 body      length = |body| > 0, crc = Crc32c(body)
//   body    := 1:u8 0:varint message                 message: the serialized v1::RunSpec of the
//                                                      run (the first record, and only there)
//            | 2:u8 frames:varint message            message: a serialized v1::PushRequest
//                                                      holding `frames` frames
//            | 3:u8 frames:varint before:varint message   as 2; `before` = the frames of all
//                                                      request records before it in the segment
// Writers write types 1 and 3; type 2 is read for segments of earlier versions.
//
// Damage: a record whose length does not fit, whose crc does not match or whose body does not
// parse starts a damaged region. The parser scans forward, byte by byte, for the next record
// that checks (its length fits, its crc matches, its body is a request record that parses) and
// goes on from there; with none, the rest is a corrupt tail (what a process killed mid-write
// leaves). Frames lost in a damaged region are known exactly when the next good record is of
// type 3 (its `before` minus the frames of the records read or known lost before it); the
// frames of a corrupt tail, or of a region before a type-2 record, are unknown and not counted
// in frames_lost (they show in corrupt_regions). The forward scan checks at most
// kMaxResyncBytes of candidate bodies per segment, then treats the rest as a corrupt tail.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_CLIENT_SPOOL_SEGMENT_H_
#define ACTISCOPE_CLIENT_SPOOL_SEGMENT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "actiscope/v1/collector.pb.h"

namespace actiscope::client {

// Bytes of candidate record bodies the parser checksums while looking for the next good record
// after damage, per segment.
inline constexpr size_t kMaxResyncBytes = size_t{64} << 20;

struct SpooledRequest {
  v1::PushRequest request;
  uint32_t frames = 0;
};

struct SegmentContents {
  v1::RunSpec run;
  std::vector<SpooledRequest> requests;  // The good request records, in file order.
  // Frames of request records lost to damage, where known (see the file comment).
  uint64_t frames_lost = 0;
  // Damaged regions skipped, a corrupt tail included: at least one record lost each.
  uint32_t corrupt_regions = 0;
  bool corrupt_tail = false;  // Bytes after the last good record were ignored.
};

// The record holding `run` (type 1).
std::string EncodeRunRecord(const v1::RunSpec& run);
// The record holding `request` with `frames` frames, after `frames_before` frames (type 3).
std::string EncodeRequestRecord(const v1::PushRequest& request, uint32_t frames,
                                uint64_t frames_before);

// Parses a segment's bytes. DATA_LOSS when its first record is not a readable run record.
// Fuzzed by tests/fuzz/spool_segment_fuzzer.cc.
absl::StatusOr<SegmentContents> ParseSegment(absl::string_view data);
// Reads and parses the segment at `path`. NOT_FOUND when the file does not exist, INTERNAL
// (with errno's text) when it cannot be read, else ParseSegment's result; messages name `path`.
absl::StatusOr<SegmentContents> ReadSegment(const std::string& path);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SPOOL_SEGMENT_H_
