#include "trainer/checksummed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace actiscope::trainer {
namespace {

constexpr char kMagic[4] = {'A', 'C', 'K', 'P'};
constexpr size_t kTrailerBytes = 16;
constexpr size_t kChunkBytes = size_t{1} << 20;

// A file descriptor closed on destruction.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  // Closes now; false (errno set) when close fails, which can report a failed write.
  bool Close() { return close(std::exchange(fd_, -1)) == 0; }

 private:
  int fd_;
};

std::string ErrnoText(const std::string& what, const std::string& path, int error) {
  return absl::StrCat(what, " ", path, ": ", std::strerror(error));
}

void PutLittleEndian(uint64_t value, int bytes, char* out) {
  for (int i = 0; i < bytes; ++i) out[i] = static_cast<char>(value >> (8 * i));
}

uint64_t GetLittleEndian(const char* in, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return value;
}

uLong Crc(uLong crc, const char* data, size_t n) {
  for (size_t done = 0; done < n;) {
    const uInt chunk = static_cast<uInt>(std::min(n - done, kChunkBytes));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data + done), chunk);
    done += chunk;
  }
  return crc;
}

// Writes to a file, keeping the CRC-32 and the length of what was written.
class ChecksummedWriter {
 public:
  explicit ChecksummedWriter(int fd) : fd_(fd), crc_(crc32(0, nullptr, 0)) {}

  size_t Write(const void* data, size_t n) {
    if (error_ != 0) return 0;
    const char* p = static_cast<const char*>(data);
    for (size_t done = 0; done < n;) {
      const ssize_t w = write(fd_, p + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error_ = errno;
        return 0;
      }
      done += static_cast<size_t>(w);
    }
    crc_ = Crc(crc_, p, n);
    length_ += n;
    return n;
  }

  int error() const { return error_; }
  uint32_t crc() const { return static_cast<uint32_t>(crc_); }
  uint64_t length() const { return length_; }

 private:
  int fd_;
  uLong crc_;
  uint64_t length_ = 0;
  int error_ = 0;  // errno of the first failed write.
};

absl::Status WriteAndSync(const std::string& path,
                          const std::function<absl::Status(const BodySink&)>& write_body) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return absl::InternalError(ErrnoText("creating", path, errno));
  ChecksummedWriter writer(fd.get());
  const absl::Status body =
      write_body([&writer](const void* data, size_t n) { return writer.Write(data, n); });
  if (writer.error() != 0) return absl::InternalError(ErrnoText("writing", path, writer.error()));
  if (!body.ok()) return body;
  char trailer[kTrailerBytes];
  std::memcpy(trailer, kMagic, sizeof(kMagic));
  PutLittleEndian(writer.crc(), 4, trailer + 4);
  PutLittleEndian(writer.length(), 8, trailer + 8);
  if (writer.Write(trailer, sizeof(trailer)) != sizeof(trailer)) {
    return absl::InternalError(ErrnoText("writing", path, writer.error()));
  }
  if (fsync(fd.get()) != 0) return absl::InternalError(ErrnoText("syncing", path, errno));
  if (!fd.Close()) return absl::InternalError(ErrnoText("closing", path, errno));
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  Fd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0 || fsync(fd.get()) != 0) {
    return absl::InternalError(ErrnoText("syncing directory", dir, errno));
  }
  return absl::OkStatus();
}

// Checks the trailer and the checksum of the open file; returns the body's length.
absl::StatusOr<uint64_t> VerifyTrailer(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  char trailer[kTrailerBytes];
  if (size < kTrailerBytes ||
      pread(fd, trailer, kTrailerBytes, static_cast<off_t>(size - kTrailerBytes)) !=
          static_cast<ssize_t>(kTrailerBytes) ||
      std::memcmp(trailer, kMagic, sizeof(kMagic)) != 0) {
    return absl::DataLossError(absl::StrCat(path, ": no checksum trailer (", size, " bytes)"));
  }
  const uint64_t length = GetLittleEndian(trailer + 8, 8);
  if (length != size - kTrailerBytes) {
    return absl::DataLossError(absl::StrCat(path, ": the trailer says ", length,
                                            " bytes, the file holds ", size - kTrailerBytes));
  }
  std::vector<char> buffer(kChunkBytes);
  uLong crc = crc32(0, nullptr, 0);
  for (uint64_t offset = 0; offset < length;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, length - offset));
    const ssize_t got = pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return absl::DataLossError(absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
    }
    crc = Crc(crc, buffer.data(), static_cast<size_t>(got));
    offset += static_cast<uint64_t>(got);
  }
  const uint32_t expected = static_cast<uint32_t>(GetLittleEndian(trailer + 4, 4));
  if (static_cast<uint32_t>(crc) != expected) {
    return absl::DataLossError(absl::StrFormat("%s: checksum %08x, the trailer says %08x", path,
                                               static_cast<uint32_t>(crc), expected));
  }
  return length;
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, const std::string& temp_path,
                                 const std::function<absl::Status(const BodySink&)>& write_body) {
  absl::Status status = WriteAndSync(temp_path, write_body);
  if (status.ok() && rename(temp_path.c_str(), path.c_str()) != 0) {
    status = absl::InternalError(ErrnoText(absl::StrCat("renaming to ", path), temp_path, errno));
  }
  if (!status.ok()) {
    unlink(temp_path.c_str());
    return status;
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return SyncDirectory(dir.empty() ? "." : dir);
}

absl::StatusOr<VerifiedFile> VerifiedFile::Open(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int error = errno;
    const std::string text = absl::StrCat(path, ": cannot open: ", std::strerror(error));
    return error == ENOENT ? absl::NotFoundError(text) : absl::DataLossError(text);
  }
  absl::StatusOr<uint64_t> length = VerifyTrailer(fd.get(), path);
  if (!length.ok()) return length.status();
  return VerifiedFile(fd.Release(), *length);
}

VerifiedFile::VerifiedFile(VerifiedFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), body_length_(other.body_length_) {}

VerifiedFile& VerifiedFile::operator=(VerifiedFile&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    body_length_ = other.body_length_;
  }
  return *this;
}

VerifiedFile::~VerifiedFile() {
  if (fd_ >= 0) close(fd_);
}

size_t VerifiedFile::ReadAt(uint64_t offset, void* out, size_t n) const {
  if (offset >= body_length_) return 0;
  const size_t want = static_cast<size_t>(std::min<uint64_t>(n, body_length_ - offset));
  size_t done = 0;
  while (done < want) {
    const ssize_t got =
        pread(fd_, static_cast<char*>(out) + done, want - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    done += static_cast<size_t>(got);
  }
  return done;
}

}  // namespace actiscope::trainer
