#include "client/sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/thread_name.h"

namespace actiscope::client {
namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(2);  // StartRun; bounds Stop() too.
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);

}  // namespace

Sender::Sender(SenderOptions options, std::unique_ptr<CollectorSession> session,
               std::shared_ptr<Spool> spool, RateLimitedLog* log)
    : options_(std::move(options)),
      session_(std::move(session)),
      spool_(std::move(spool)),
      log_(log),
      jitter_(options_.seed) {
  if (session_ != nullptr) {
    thread_ = std::thread([this] {
      NameCurrentThread("actiscope-send");
      Run();
    });
  }
}

Sender::~Sender() { Stop(); }

void Sender::Submit(v1::PushRequest request, uint32_t frames) {
  Outgoing out;
  out.bytes = request.ByteSizeLong() + 64;
  out.request = std::move(request);
  out.frames = frames;
  absl::MutexLock lock(&mu_);
  counts_.frames_submitted += frames;
  out.request.set_dropped_frames(out.request.dropped_frames() + unreported_drops_);
  unreported_drops_ = 0;
  if (session_ == nullptr || spool_mode_ || stopping_) {
    AppendToSpoolLocked(out);
    return;
  }
  if (outbox_bytes_ + out.bytes > options_.outbox_bound_bytes) {
    if (spool_ != nullptr) {
      SpillOutboxLocked();
      AppendToSpoolLocked(out);
    } else {
      DropLocked(out, absl::ResourceExhaustedError(
                          absl::StrCat("memory bound of ", options_.outbox_bound_bytes,
                                       " bytes reached and no spool_dir")));
    }
    return;
  }
  outbox_bytes_ += out.bytes;
  outbox_.push_back(std::move(out));
}

void Sender::CountDropped(uint64_t frames) {
  absl::MutexLock lock(&mu_);
  counts_.frames_dropped += frames;
  unreported_drops_ += frames;
}

bool Sender::HasUnreportedDrops() const {
  absl::MutexLock lock(&mu_);
  return unreported_drops_ > 0;
}

void Sender::AppendToSpoolLocked(const Outgoing& out) {
  if (spool_ == nullptr) {
    DropLocked(out, absl::FailedPreconditionError("no spool_dir"));
    return;
  }
  if (absl::Status s = spool_->Append(options_.run, out.request, out.frames); !s.ok()) {
    DropLocked(out, s);
    return;
  }
  spool_mode_ = true;
}

void Sender::SpillOutboxLocked() {
  for (const Outgoing& out : outbox_) AppendToSpoolLocked(out);
  outbox_.clear();
  outbox_bytes_ = 0;
  sent_ = 0;
  spool_mode_ = true;
  if (live_ != nullptr) live_->Cancel();  // Its unacknowledged requests are in the spool now.
}

void Sender::DropLocked(const Outgoing& out, const absl::Status& why) {
  counts_.frames_dropped += out.frames;
  unreported_drops_ += out.frames + out.request.dropped_frames();
  log_->Log("drop", absl::StrCat("dropped ", out.frames, " frames (", counts_.frames_dropped,
                                 " so far): ", why.ToString()));
}

bool Sender::AllDeliveredLocked() const {
  return outbox_.empty() && (spool_ == nullptr || spool_->empty());
}

bool Sender::Drain(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (session_ == nullptr) return AllDeliveredLocked();
  return mu_.AwaitWithDeadline(absl::Condition(this, &Sender::AllDeliveredLocked), deadline);
}

void Sender::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (live_ != nullptr) live_->Cancel();
  }
  if (thread_.joinable()) thread_.join();
  absl::MutexLock lock(&mu_);
  if (spool_ != nullptr && !outbox_.empty()) SpillOutboxLocked();
}

SenderCounts Sender::counts() const {
  absl::MutexLock lock(&mu_);
  SenderCounts c = counts_;
  for (const Outgoing& out : outbox_) c.frames_unacked += out.frames;
  if (spool_ != nullptr) c.frames_unacked += spool_->frames();
  return c;
}

void Sender::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    bool ok = true;
    if (spool_ != nullptr && !spool_->empty()) {
      ok = ReplaySpool();
    } else if (options_.replay_only) {
      mu_.LockWhenWithTimeout(absl::Condition(&stopping_), absl::Seconds(1));
      mu_.Unlock();
    } else {
      ok = EnsureRunStarted() && StreamOutbox();
    }
    if (!ok) Backoff();
  }
}

bool Sender::EnsureRunStarted() {
  if (run_started_) return true;
  if (absl::Status s = session_->StartRun(options_.run, kRpcTimeout); !s.ok()) {
    LogFailure("starting the run", s);
    return false;
  }
  run_started_ = true;
  return true;
}

void Sender::LogFailure(const std::string& what, const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  LogFailureLocked(what, status);
}

void Sender::LogFailureLocked(const std::string& what, const absl::Status& status) {
  last_failure_ =
      absl::Status(status.code(), absl::StrCat("collector ", session_->connection().address, ", ",
                                               what, ": ", status.message()));
  if (absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status)) {
    log_->Log("auth", absl::StrCat(last_failure_.ToString(),
                                   " (the data stays queued and spooled and is resent once the "
                                   "collector accepts the token)"));
    return;
  }
  log_->Log("connect", last_failure_.ToString());
}

absl::Status Sender::last_failure() const {
  absl::MutexLock lock(&mu_);
  return last_failure_;
}

void Sender::Backoff() {
  backoff_ = backoff_ == absl::ZeroDuration() ? kFirstBackoff : std::min(2 * backoff_, kMaxBackoff);
  const double jitter = std::uniform_real_distribution<double>(0.5, 1.0)(jitter_);
  mu_.LockWhenWithTimeout(absl::Condition(&stopping_), backoff_ * jitter);
  mu_.Unlock();
}

bool Sender::ReplaySpool() {
  spool_->Seal();
  for (const std::string& path : spool_->SealedSegments()) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return true;
    }
    if (!ReplaySegment(path)) return false;
    backoff_ = absl::ZeroDuration();
  }
  absl::MutexLock lock(&mu_);
  if (spool_->empty()) spool_mode_ = false;
  return true;
}

bool Sender::ReplaySegment(const std::string& path) {
  absl::StatusOr<SegmentContents> contents = ReadSegment(path);
  if (!contents.ok()) {
    if (!absl::IsNotFound(contents.status())) {
      log_->Log("spool", absl::StrCat("discarding unreadable spool segment: ",
                                      contents.status().ToString()));
      spool_->Remove(path).IgnoreError();
    }
    return true;
  }
  if (contents->corrupt_tail) {
    log_->Log("spool", absl::StrCat("spool segment ", path,
                                    " ends in a torn record (process killed mid-write); "
                                    "replaying the records before it"));
  }
  const std::vector<SpooledRequest>& requests = contents->requests;
  uint64_t frames = 0;
  if (!requests.empty()) {
    if (absl::Status s = session_->StartRun(contents->run, kRpcTimeout); !s.ok()) {
      LogFailure("replaying the spool", s);
      return false;
    }
    PushStream stream(session_.get());
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return true;
      live_ = &stream;
    }
    size_t next = 0, acked = 0;
    while (acked < requests.size()) {
      if (next < requests.size() && next - acked < kWindow) {
        if (!stream.Write(requests[next].request)) break;
        ++next;
        continue;
      }
      v1::PushAck ack;
      if (!stream.ReadAck(&ack) || ack.sequence() != requests[acked].request.sequence()) break;
      frames += requests[acked].frames;
      ++acked;
    }
    const absl::Status closed = stream.Close();
    {
      absl::MutexLock lock(&mu_);
      live_ = nullptr;
      counts_.wire_bytes += stream.bytes_written();
    }
    if (acked < requests.size()) {
      LogFailure(absl::StrCat("replaying spool segment ", path), closed);
      return false;
    }
  }
  if (absl::Status s = spool_->Remove(path); !s.ok()) log_->Log("spool", s.ToString());
  absl::MutexLock lock(&mu_);
  counts_.frames_acked += frames;
  return true;
}

bool Sender::StreamOutbox() {
  PushStream stream(session_.get());
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return true;
    live_ = &stream;
    sent_ = 0;
  }
  bool healthy = true;
  while (healthy) {
    v1::PushRequest to_write;
    bool write = false;
    {
      absl::MutexLock lock(&mu_);
      const auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || spool_mode_ || sent_ > 0 || !outbox_.empty();
      };
      mu_.AwaitWithTimeout(absl::Condition(&has_work), absl::Seconds(1));
      if (stopping_ || spool_mode_) break;
      if (sent_ < outbox_.size() && sent_ < static_cast<size_t>(kWindow)) {
        to_write = outbox_[sent_].request;
        ++sent_;
        write = true;
      } else if (sent_ == 0) {
        continue;
      }
    }
    if (write) {
      healthy = stream.Write(to_write);
      continue;
    }
    v1::PushAck ack;
    healthy = stream.ReadAck(&ack);
    if (!healthy) break;
    absl::MutexLock lock(&mu_);
    if (sent_ == 0) continue;  // The outbox was spilled to the spool meanwhile.
    if (ack.sequence() != outbox_.front().request.sequence()) {
      log_->Log("protocol", absl::StrCat("ack for sequence ", ack.sequence(), ", expected ",
                                         outbox_.front().request.sequence()));
      healthy = false;
      break;
    }
    counts_.frames_acked += outbox_.front().frames;
    outbox_bytes_ -= outbox_.front().bytes;
    outbox_.pop_front();
    --sent_;
    backoff_ = absl::ZeroDuration();
  }
  const absl::Status closed = stream.Close();
  absl::MutexLock lock(&mu_);
  live_ = nullptr;
  counts_.wire_bytes += stream.bytes_written();
  sent_ = 0;
  if (!healthy && !stopping_ && !spool_mode_) {
    LogFailureLocked("streaming", closed);
    run_started_ = false;  // The collector may have restarted without the run.
    return false;
  }
  return true;
}

}  // namespace actiscope::client
