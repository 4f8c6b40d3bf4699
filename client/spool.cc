// The spool directory: this process's segments, adoption of dead owners' segments, the index.
#include "client/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"

namespace actiscope::client {
namespace {

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

struct Entry {
  std::string path;
  SpoolFileName name;
};

absl::StatusOr<std::vector<Entry>> ListSpool(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoError("opendir", dir);
  std::vector<Entry> entries;
  while (const dirent* entry = ::readdir(d)) {
    std::optional<SpoolFileName> name = ParseSpoolFileName(entry->d_name);
    if (name.has_value()) entries.push_back({absl::StrCat(dir, "/", entry->d_name), *name});
  }
  ::closedir(d);
  return entries;
}

size_t FileBytes(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
}

// Frames in the segment at `path`, those known lost included; 0 when unreadable.
uint64_t CountFrames(const std::string& path) {
  absl::StatusOr<SegmentContents> contents = ReadSegment(path);
  if (!contents.ok()) return 0;
  uint64_t frames = contents->frames_lost;
  for (const SpooledRequest& r : contents->requests) frames += r.frames;
  return frames;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Spool>> Spool::Open(const std::string& dir, size_t bound_bytes,
                                                   SpoolFsync fsync) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoError("mkdir", dir);
  const std::string owner = NewOwnerId();
  absl::StatusOr<std::unique_ptr<OwnerLock>> lock = OwnerLock::Create(dir, owner);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<Spool> spool(new Spool(dir, bound_bytes, fsync, owner, *std::move(lock)));
  if (absl::StatusOr<std::vector<Entry>> listed = ListSpool(dir); !listed.ok()) {
    return listed.status();
  }
  spool->Rescan();
  return spool;
}

Spool::Spool(std::string dir, size_t bound_bytes, SpoolFsync fsync, std::string owner,
             std::unique_ptr<OwnerLock> lock)
    : dir_(std::move(dir)),
      bound_bytes_(bound_bytes),
      fsync_(fsync),
      owner_(std::move(owner)),
      lock_(std::move(lock)) {}

Spool::~Spool() {
  absl::MutexLock lock(&mu_);
  CloseOpen(/*sync=*/true);
  ReleaseFinishedOwners();
  bool own_left = false;
  for (const auto& [path, segment] : held_) own_left = own_left || segment.owner == owner_;
  if (!own_left) lock_->Unlink();
}

size_t Spool::Rescan() {
  absl::StatusOr<std::vector<Entry>> first = ListSpool(dir_);
  if (!first.ok()) return 0;
  std::set<std::string> candidates;
  for (const Entry& e : *first) {
    if (e.name.owner != owner_) candidates.insert(e.name.owner);
  }
  std::set<std::string> held_before;
  std::map<std::string, Segment> others_before;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [owner, held_lock] : adopted_) candidates.erase(owner);
    for (const auto& [path, segment] : held_) held_before.insert(path);
    others_before = live_others_;
  }
  // Lock before listing the owner's segments: its last segments may be removed meanwhile.
  std::map<std::string, std::unique_ptr<OwnerLock>> taken;
  for (const std::string& owner : candidates) {
    if (std::unique_ptr<OwnerLock> lock = OwnerLock::TryTake(dir_, owner)) {
      taken.emplace(owner, std::move(lock));
    }
  }
  std::set<std::string> adopted_owners;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [owner, held_lock] : taken) adopted_.emplace(owner, std::move(held_lock));
    for (const auto& [owner, held_lock] : adopted_) adopted_owners.insert(owner);
  }
  absl::StatusOr<std::vector<Entry>> second = ListSpool(dir_);
  if (!second.ok()) return 0;
  std::set<std::string> present;
  std::map<std::string, Segment> adopted_now, others_now;
  for (const Entry& e : *second) {
    if (e.name.lock) continue;
    present.insert(e.path);
    if (e.name.owner == owner_) continue;  // Indexed when written.
    if (adopted_owners.count(e.name.owner) > 0) {
      if (held_before.count(e.path) == 0) {
        adopted_now[e.path] = Segment{FileBytes(e.path), CountFrames(e.path), e.name.owner};
      }
      continue;
    }
    const size_t bytes = FileBytes(e.path);
    const auto it = others_before.find(e.path);
    others_now[e.path] = it != others_before.end() && it->second.bytes == bytes
                             ? it->second
                             : Segment{bytes, CountFrames(e.path), e.name.owner};
  }
  absl::MutexLock lock(&mu_);
  for (auto& [path, segment] : adopted_now) {
    if (held_.emplace(path, segment).second) held_bytes_ += segment.bytes;
  }
  for (const std::string& path : held_before) {  // Heal: forget vanished files.
    const auto it = held_.find(path);
    if (present.count(path) > 0 || path == open_path_ || it == held_.end()) continue;
    held_bytes_ -= it->second.bytes;
    held_.erase(it);
  }
  live_others_ = std::move(others_now);
  ReleaseFinishedOwners();
  return adopted_now.size();
}

void Spool::ReleaseFinishedOwners() {
  std::set<std::string> owners_left;
  for (const auto& [path, segment] : held_) owners_left.insert(segment.owner);
  for (auto it = adopted_.begin(); it != adopted_.end();) {
    if (owners_left.count(it->first) > 0) {
      ++it;
      continue;
    }
    it->second->Unlink();
    it = adopted_.erase(it);
  }
}

void Spool::SyncDirectory() {
  const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ++fsyncs_;
  ::close(fd);
}

void Spool::CloseOpen(bool sync) {
  if (open_fd_ < 0) return;
  if (sync && fsync_ == SpoolFsync::kOnSeal) {
    ::fsync(open_fd_);
    ++fsyncs_;
    SyncDirectory();
  }
  ::close(open_fd_);
  open_fd_ = -1;
  open_path_.clear();
  open_run_id_.clear();
  open_frames_ = 0;
}

absl::Status Spool::StartSegment(const v1::RunSpec& run) {
  CloseOpen(/*sync=*/true);
  const std::string path = absl::StrCat(dir_, "/", SegmentFileName(owner_, next_number_++));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("create spool segment", path);
  open_fd_ = fd;
  open_path_ = path;
  open_run_id_ = run.run_id();
  held_.emplace(path, Segment{0, 0, owner_});
  if (fsync_ == SpoolFsync::kEveryRecord) SyncDirectory();
  return WriteRecord(EncodeRunRecord(run), 0);
}

absl::Status Spool::WriteRecord(const std::string& record, uint32_t frames) {
  size_t written = 0;
  while (written < record.size()) {
    const ssize_t n = ::write(open_fd_, record.data() + written, record.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const absl::Status error = ErrnoError("write spool segment", open_path_);
      CloseOpen(/*sync=*/false);  // A torn record ends this segment; later appends start another.
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (fsync_ == SpoolFsync::kEveryRecord) {
    ::fsync(open_fd_);
    ++fsyncs_;
  }
  Segment& segment = held_[open_path_];
  segment.bytes += record.size();
  segment.frames += frames;
  held_bytes_ += record.size();
  open_frames_ += frames;
  return absl::OkStatus();
}

absl::Status Spool::Append(const v1::RunSpec& run, const v1::PushRequest& request,
                           uint32_t frames) {
  absl::MutexLock lock(&mu_);
  const std::string record = EncodeRequestRecord(request, frames, open_frames_);
  const bool rotate = open_fd_ < 0 || open_run_id_ != run.run_id() ||
                      held_[open_path_].bytes + record.size() > kSegmentBytes;
  const size_t needed = record.size() + 16 + (rotate ? run.ByteSizeLong() + 32 : 0);
  if (held_bytes_ + needed > bound_bytes_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("spool ", dir_, " full: ", held_bytes_, " of ", bound_bytes_, " bytes used"));
  }
  if (!rotate) return WriteRecord(record, frames);
  if (absl::Status s = StartSegment(run); !s.ok()) return s;
  return WriteRecord(EncodeRequestRecord(request, frames, 0), frames);
}

void Spool::Seal() {
  absl::MutexLock lock(&mu_);
  CloseOpen(/*sync=*/true);
}

std::vector<HeldSegment> Spool::SealedSegments() const {
  absl::MutexLock lock(&mu_);
  std::vector<HeldSegment> sealed;
  for (const auto& [path, segment] : held_) {
    if (path != open_path_) sealed.push_back({path, segment.frames, segment.owner == owner_});
  }
  return sealed;
}

std::vector<HeldSegment> Spool::HeldSegments() const {
  absl::MutexLock lock(&mu_);
  std::vector<HeldSegment> held;
  for (const auto& [path, segment] : held_) {
    held.push_back({path, segment.frames, segment.owner == owner_});
  }
  return held;
}

absl::Status Spool::Remove(const std::string& path) {
  absl::MutexLock lock(&mu_);
  if (path == open_path_) CloseOpen(/*sync=*/false);
  auto it = held_.find(path);
  if (it != held_.end()) {
    held_bytes_ -= it->second.bytes;
    held_.erase(it);
  }
  const bool failed = ::unlink(path.c_str()) != 0 && errno != ENOENT;
  const absl::Status status = failed ? ErrnoError("remove", path) : absl::OkStatus();
  ReleaseFinishedOwners();
  return status;
}

bool Spool::empty() const {
  absl::MutexLock lock(&mu_);
  return held_.empty();
}

bool Spool::has_own_segments() const {
  absl::MutexLock lock(&mu_);
  for (const auto& [path, segment] : held_) {
    if (segment.owner == owner_) return true;
  }
  return false;
}

uint64_t Spool::held_frames() const {
  absl::MutexLock lock(&mu_);
  uint64_t frames = 0;
  for (const auto& [path, segment] : held_) frames += segment.frames;
  return frames;
}

size_t Spool::bytes() const {
  absl::MutexLock lock(&mu_);
  return held_bytes_;
}

uint64_t Spool::frames() const {
  uint64_t frames = held_frames();
  absl::MutexLock lock(&mu_);
  for (const auto& [path, segment] : live_others_) frames += segment.frames;
  return frames;
}

uint64_t Spool::fsyncs() const {
  absl::MutexLock lock(&mu_);
  return fsyncs_;
}

}  // namespace actiscope::client
