#include "client/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/crc32c.h"
#include "common/varint.h"
#include "proto/histogram_codec.h"

namespace actiscope::client {
namespace {

constexpr uint8_t kRunRecord = 1;
constexpr uint8_t kRequestRecord = 2;
constexpr size_t kHeaderBytes = 8;
constexpr absl::string_view kPrefix = "segment-";
constexpr absl::string_view kSuffix = ".spool";

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

absl::StatusOr<SegmentContents> ParseSegment(absl::string_view data) {
  SegmentContents contents;
  bool have_run = false;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kHeaderBytes) break;
    const uint32_t length = GetFixed32(data.data() + pos);
    const uint32_t crc = GetFixed32(data.data() + pos + 4);
    if (length == 0 || data.size() - pos - kHeaderBytes < length) break;
    const absl::string_view body(data.data() + pos + kHeaderBytes, length);
    if (Crc32c(body) != crc) break;
    size_t body_pos = 1;
    uint64_t frames = 0;
    if (!GetVarint(body, &body_pos, &frames)) break;
    const absl::string_view message = body.substr(body_pos);
    if (static_cast<uint8_t>(body[0]) == kRunRecord && !have_run) {
      if (!contents.run.ParseFromArray(message.data(), static_cast<int>(message.size()))) break;
      have_run = true;
    } else if (static_cast<uint8_t>(body[0]) == kRequestRecord && have_run) {
      SpooledRequest r;
      if (!r.request.ParseFromArray(message.data(), static_cast<int>(message.size()))) break;
      r.frames = static_cast<uint32_t>(frames);
      contents.requests.push_back(std::move(r));
    } else {
      break;
    }
    pos += kHeaderBytes + length;
  }
  contents.corrupt_tail = pos < data.size();
  if (!have_run) return absl::DataLossError("spool segment without a readable run record");
  return contents;
}

absl::StatusOr<SegmentContents> ReadSegment(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("spool segment not found: ", path));
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<SegmentContents> contents = ParseSegment(data);
  if (!contents.ok()) {
    return absl::Status(contents.status().code(),
                        absl::StrCat(contents.status().message(), ": ", path));
  }
  return contents;
}

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, size_t bound_bytes) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("mkdir", dir);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError("opendir", dir);
  std::map<std::string, Segment> segments;
  uint64_t next_number = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (!absl::StartsWith(name, kPrefix) || !absl::EndsWith(name, kSuffix)) continue;
    const std::string path = absl::StrCat(dir, "/", name);
    const std::string hex =
        name.substr(kPrefix.size(), name.size() - kPrefix.size() - kSuffix.size());
    next_number = std::max<uint64_t>(next_number, std::strtoull(hex.c_str(), nullptr, 16) + 1);
    Segment segment;
    struct stat st;
    if (::stat(path.c_str(), &st) == 0) segment.bytes = static_cast<size_t>(st.st_size);
    absl::StatusOr<SegmentContents> contents = ReadSegment(path);
    if (contents.ok()) {
      for (const SpooledRequest& r : contents->requests) segment.frames += r.frames;
    }
    segments.emplace(path, segment);
  }
  ::closedir(d);
  return std::unique_ptr<Spool>(new Spool(dir, bound_bytes, next_number, std::move(segments)));
}

Spool::Spool(std::string dir, size_t bound_bytes, uint64_t next_number,
             std::map<std::string, Segment> segments)
    : dir_(std::move(dir)),
      bound_bytes_(bound_bytes),
      next_number_(next_number),
      segments_(std::move(segments)) {
  for (const auto& [path, segment] : segments_) total_bytes_ += segment.bytes;
}

Spool::~Spool() {
  absl::MutexLock lock(&mu_);
  CloseOpen();
}

void Spool::CloseOpen() {
  if (open_fd_ >= 0) ::close(open_fd_);
  open_fd_ = -1;
  open_path_.clear();
  open_run_id_.clear();
}

absl::Status Spool::StartSegment(const v1::RunSpec& run) {
  CloseOpen();
  const std::string path = absl::StrFormat("%s/%s%016x%s", dir_, kPrefix, next_number_++, kSuffix);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create spool segment", path);
  open_fd_ = fd;
  open_path_ = path;
  open_run_id_ = run.run_id();
  segments_.emplace(path, Segment{});
  return WriteRecord(kRunRecord, 0, run.SerializeAsString());
}

absl::Status Spool::WriteRecord(uint8_t type, uint32_t frames, const std::string& message) {
  std::string body(1, static_cast<char>(type));
  PutVarint(frames, &body);
  body += message;
  std::string record;
  PutFixed32(static_cast<uint32_t>(body.size()), &record);
  PutFixed32(Crc32c(body), &record);
  record += body;
  size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(open_fd_, record.data() + written, record.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const absl::Status error = ErrnoError("write spool segment", open_path_);
      CloseOpen();  // A torn record ends this segment; later appends start a new one.
      return error;
    }
    written += static_cast<size_t>(n);
  }
  Segment& segment = segments_[open_path_];
  segment.bytes += record.size();
  segment.frames += frames;
  total_bytes_ += record.size();
  return absl::OkStatus();
}

absl::Status Spool::Append(const v1::RunSpec& run, const v1::PushRequest& request,
                           uint32_t frames) {
  const std::string message = request.SerializeAsString();
  absl::MutexLock lock(&mu_);
  const size_t needed = message.size() + 32 + (open_fd_ < 0 ? run.ByteSizeLong() + 32 : 0);
  if (total_bytes_ + needed > bound_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("spool ", dir_, " full: ", total_bytes_, " of ", bound_bytes_, " bytes used"));
  }
  if (open_fd_ < 0 || open_run_id_ != run.run_id() ||
      segments_[open_path_].bytes + message.size() > kSegmentBytes) {
    if (absl::Status s = StartSegment(run); !s.ok()) return s;
  }
  return WriteRecord(kRequestRecord, frames, message);
}

void Spool::Seal() {
  absl::MutexLock lock(&mu_);
  CloseOpen();
}

std::vector<std::string> Spool::SealedSegments() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::string> paths;
  for (const auto& [path, segment] : segments_) {
    if (path != open_path_) paths.push_back(path);
  }
  return paths;
}

absl::Status Spool::Remove(const std::string& path) {
  absl::MutexLock lock(&mu_);
  if (path == open_path_) CloseOpen();
  auto it = segments_.find(path);
  if (it != segments_.end()) {
    total_bytes_ -= it->second.bytes;
    segments_.erase(it);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoError("remove", path);
  return absl::OkStatus();
}

bool Spool::empty() const {
  absl::MutexLock lock(&mu_);
  return segments_.empty();
}

uint64_t Spool::frames() const {
  absl::MutexLock lock(&mu_);
  uint64_t frames = 0;
  for (const auto& [path, segment] : segments_) frames += segment.frames;
  return frames;
}

size_t Spool::bytes() const {
  absl::MutexLock lock(&mu_);
  return total_bytes_;
}

}  // namespace actiscope::client
