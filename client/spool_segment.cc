// Spool segment records: encoding, and parsing with resynchronization after damage.
#include "client/spool_segment.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/crc32c.h"
#include "common/varint.h"

namespace actiscope::client {
namespace {

constexpr uint8_t kRunRecord = 1;
constexpr uint8_t kRequestRecord = 2;
constexpr uint8_t kCountedRequestRecord = 3;
constexpr size_t kHeaderBytes = 8;

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint32_t GetFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

std::string Frame(const std::string& body) {
  std::string record;
  PutFixed32(static_cast<uint32_t>(body.size()), &record);
  PutFixed32(Crc32c(body), &record);
  record += body;
  return record;
}

// One record that checks: framing, crc, type and varints (not yet its message).
struct Record {
  uint8_t type = 0;
  uint64_t frames = 0;
  std::optional<uint64_t> before;  // Type 3 only.
  absl::string_view message;
  size_t size = 0;  // Header included.
};

// The record at `pos` if its framing and crc check. `crc_budget`, when set, is charged the
// bytes checksummed and refuses (nullopt) once spent.
std::optional<Record> RecordAt(absl::string_view data, size_t pos, size_t* crc_budget) {
  if (data.size() - pos < kHeaderBytes) return std::nullopt;
  const uint32_t length = GetFixed32(data.data() + pos);
  if (length == 0 || data.size() - pos - kHeaderBytes < length) return std::nullopt;
  const absl::string_view body(data.data() + pos + kHeaderBytes, length);
  const uint8_t type = static_cast<uint8_t>(body[0]);
  if (type != kRunRecord && type != kRequestRecord && type != kCountedRequestRecord) {
    return std::nullopt;
  }
  if (crc_budget != nullptr) {
    if (*crc_budget < length) return std::nullopt;
    *crc_budget -= length;
  }
  if (Crc32c(body) != GetFixed32(data.data() + pos + 4)) return std::nullopt;
  Record record;
  record.type = type;
  record.size = kHeaderBytes + length;
  size_t body_pos = 1;
  if (!GetVarint(body, &body_pos, &record.frames)) return std::nullopt;
  if (type == kCountedRequestRecord) {
    uint64_t before = 0;
    if (!GetVarint(body, &body_pos, &before)) return std::nullopt;
    record.before = before;
  }
  record.message = body.substr(body_pos);
  return record;
}

// A request record at `pos` whose message parses, into *out.
std::optional<Record> RequestAt(absl::string_view data, size_t pos, size_t* crc_budget,
                                SpooledRequest* out) {
  std::optional<Record> record = RecordAt(data, pos, crc_budget);
  if (!record.has_value() || record->type == kRunRecord || record->frames > UINT32_MAX ||
      !out->request.ParseFromArray(record->message.data(),
                                   static_cast<int>(record->message.size()))) {
    return std::nullopt;
  }
  out->frames = static_cast<uint32_t>(record->frames);
  return record;
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  const int error = errno;
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  return error == ENOENT ? absl::NotFoundError(message) : absl::InternalError(message);
}

}  // namespace

std::string EncodeRunRecord(const v1::RunSpec& run) {
  std::string body(1, static_cast<char>(kRunRecord));
  PutVarint(0, &body);
  body += run.SerializeAsString();
  return Frame(body);
}

std::string EncodeRequestRecord(const v1::PushRequest& request, uint32_t frames,
                                uint64_t frames_before) {
  std::string body(1, static_cast<char>(kCountedRequestRecord));
  PutVarint(frames, &body);
  PutVarint(frames_before, &body);
  body += request.SerializeAsString();
  return Frame(body);
}

absl::StatusOr<SegmentContents> ParseSegment(absl::string_view data) {
  SegmentContents contents;
  const std::optional<Record> first = RecordAt(data, 0, nullptr);
  if (!first.has_value() || first->type != kRunRecord ||
      !contents.run.ParseFromArray(first->message.data(),
                                   static_cast<int>(first->message.size()))) {
    return absl::DataLossError("spool segment without a readable run record");
  }
  size_t pos = first->size;
  size_t crc_budget = kMaxResyncBytes;
  uint64_t expected_before = 0;  // Frames of the request records read or known lost so far.
  while (pos < data.size()) {
    SpooledRequest request;
    std::optional<Record> record = RequestAt(data, pos, nullptr, &request);
    if (!record.has_value()) {  // Damage: find the next good request record.
      ++contents.corrupt_regions;
      size_t next = pos + 1;
      while (next < data.size() && !record.has_value() && crc_budget > 0) {
        record = RequestAt(data, next, &crc_budget, &request);
        if (!record.has_value()) ++next;
      }
      if (!record.has_value()) {
        contents.corrupt_tail = true;
        break;
      }
      pos = next;
    }
    if (record->before.has_value() && *record->before > expected_before) {
      contents.frames_lost += *record->before - expected_before;
      expected_before = *record->before;
    }
    expected_before += request.frames;
    contents.requests.push_back(std::move(request));
    pos += record->size;
  }
  return contents;
}

absl::StatusOr<SegmentContents> ReadSegment(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open spool segment", path);
  std::string data;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const absl::Status error = ErrnoError("read spool segment", path);
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  absl::StatusOr<SegmentContents> contents = ParseSegment(data);
  if (!contents.ok()) {
    return absl::Status(contents.status().code(),
                        absl::StrCat(contents.status().message(), ": ", path));
  }
  return contents;
}

}  // namespace actiscope::client
