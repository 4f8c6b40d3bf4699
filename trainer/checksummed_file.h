// Files that carry their own checksum and are replaced atomically: the container of the
// trainer's checkpoints (checkpoint.h puts a LibTorch archive in the body). No LibTorch here.
//
// Grammar (integers little-endian):
//   file    := body trailer
//   trailer := "ACKP" crc32:u32 (zlib's CRC-32 of body) length:u64 (of body)
//
// WriteFileAtomically writes TEMP, fsyncs it, renames it over PATH and fsyncs the directory, so
// PATH is always either its old contents or the complete new file, whenever the writer is killed.
// VerifiedFile::Open rejects a truncated, damaged or foreign file before anyone parses its body.
//
// Thread-safety: free functions; a VerifiedFile may be read from several threads (pread).
#ifndef ACTISCOPE_TRAINER_CHECKSUMMED_FILE_H_
#define ACTISCOPE_TRAINER_CHECKSUMMED_FILE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"

namespace actiscope::trainer {

// Appends `n` bytes to the body; returns `n`, or 0 once a write has failed.
using BodySink = std::function<size_t(const void* data, size_t n)>;

// Writes the body `write_body` emits through its sink, then the trailer, to `temp_path`; fsyncs
// it, renames it to `path` and fsyncs the directory of `path`. INTERNAL naming the file and the
// failed operation with the errno text; a non-OK status of `write_body` is returned as it is.
// On failure `temp_path` is removed and `path` keeps what it held.
absl::Status WriteFileAtomically(const std::string& path, const std::string& temp_path,
                                 const std::function<absl::Status(const BodySink&)>& write_body);

// A file whose trailer and checksum have been verified, open for reading its body.
class VerifiedFile {
 public:
  // NOT_FOUND when `path` does not exist; DATA_LOSS when it cannot be read, has no trailer, its
  // length disagrees with the trailer or its checksum does not match. Messages start with
  // `path`.
  static absl::StatusOr<VerifiedFile> Open(const std::string& path);

  VerifiedFile(VerifiedFile&& other) noexcept;
  VerifiedFile& operator=(VerifiedFile&& other) noexcept;
  ~VerifiedFile();

  uint64_t body_length() const { return body_length_; }
  // Copies up to `n` bytes of the body from `offset` into `out`; returns how many (fewer only
  // at the body's end or on a read error).
  size_t ReadAt(uint64_t offset, void* out, size_t n) const;

 private:
  VerifiedFile(int fd, uint64_t body_length) : fd_(fd), body_length_(body_length) {}

  int fd_ = -1;
  uint64_t body_length_ = 0;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_CHECKSUMMED_FILE_H_
