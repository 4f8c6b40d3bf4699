// The sender: outbox, spill to the spool, the Push stream of the outbox and the thread that
// runs replay and streaming (sender.h).
#include "client/sender.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/push_refusal.h"
#include "common/thread_name.h"

namespace actiscope::client {
namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(2);  // StartRun; bounds Stop() too.
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(100);
constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
constexpr absl::Duration kIdlePoll = absl::Seconds(1);

}  // namespace

Sender::Sender(SenderOptions options, std::unique_ptr<CollectorSession> session,
               std::shared_ptr<Spool> spool, RateLimitedLog* log)
    : options_(std::move(options)),
      session_(std::move(session)),
      spool_(std::move(spool)),
      log_(log),
      jitter_(options_.seed),
      next_rescan_(absl::Now() + options_.rescan_interval) {
  if (session_ == nullptr) return;
  if (spool_ != nullptr) {
    replayer_ = std::make_unique<SpoolReplayer>(
        session_.get(), spool_.get(), log_,
        [this](const std::string& what, const absl::Status& status) { LogFailure(what, status); },
        options_.alerts);
  }
  thread_ = std::thread([this] {
    NameCurrentThread("actiscope-send");
    Run();
  });
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
  out.request.set_rejected_frames(out.request.rejected_frames() + unreported_rejects_);
  unreported_drops_ = 0;
  unreported_rejects_ = 0;
  PlaceLocked(std::move(out));
}

void Sender::PlaceLocked(Outgoing out) {
  absl::Status why = absl::FailedPreconditionError("no spool_dir");
  const bool online = session_ != nullptr && !stopping_;
  if (!online || spool_mode_) {
    why = AppendToSpoolLocked(out);
    if (why.ok()) return;
  }
  if (online) {
    if (outbox_bytes_ + out.bytes > options_.outbox_bound_bytes && spool_ != nullptr &&
        !spool_mode_) {
      why = SpillOutboxLocked();
      if (why.ok() || spool_mode_) {  // Unless no append could succeed.
        why = AppendToSpoolLocked(out);
        if (why.ok()) return;
      }
    }
    if (outbox_bytes_ + out.bytes <= options_.outbox_bound_bytes) {
      outbox_bytes_ += out.bytes;
      outbox_.push_back(std::move(out));
      return;
    }
    if (spool_ == nullptr) {
      why = absl::ResourceExhaustedError(absl::StrCat(
          "memory bound of ", options_.outbox_bound_bytes, " bytes reached and no spool_dir"));
    }
  }
  DropLocked(out, why);
}

void Sender::CountDropped(uint64_t frames) {
  absl::MutexLock lock(&mu_);
  counts_.frames_dropped += frames;
  unreported_drops_ += frames;
}

void Sender::CountRejected(uint64_t frames) {
  absl::MutexLock lock(&mu_);
  counts_.frames_rejected += frames;
  unreported_rejects_ += frames;
}

bool Sender::HasUnreportedCounts() const {
  absl::MutexLock lock(&mu_);
  return unreported_drops_ > 0 || unreported_rejects_ > 0;
}

absl::Status Sender::AppendToSpoolLocked(const Outgoing& out) {
  if (spool_ == nullptr) return absl::FailedPreconditionError("no spool_dir");
  absl::Status s = spool_->Append(options_.run, out.request, out.frames);
  if (s.ok()) {
    if (session_ != nullptr) spool_mode_ = true;
  } else if (!absl::IsResourceExhausted(s)) {
    log_->Log("spill",
              absl::StrCat("cannot write the spool, keeping batches in memory: ", s.ToString()));
  }
  return s;
}

absl::Status Sender::SpillOutboxLocked() {
  absl::Status status;
  size_t moved = 0;
  while (!outbox_.empty() && (status = AppendToSpoolLocked(outbox_.front())).ok()) {
    outbox_bytes_ -= outbox_.front().bytes;
    outbox_.pop_front();
    ++moved;
  }
  if (moved > 0) {
    sent_ = 0;
    if (live_ != nullptr) live_->Cancel();  // Its unacknowledged requests are in the spool now.
  }
  return status;
}

void Sender::DropLocked(const Outgoing& out, const absl::Status& why) {
  counts_.frames_dropped += out.frames;
  unreported_drops_ += out.frames + out.request.dropped_frames();
  unreported_rejects_ += out.request.rejected_frames();
  log_->Log("drop", absl::StrCat("dropped ", out.frames, " frames (", counts_.frames_dropped,
                                 " so far): ", why.ToString()));
}

void Sender::RejectFrontLocked(const absl::Status& why) {
  const Outgoing& out = outbox_.front();
  counts_.frames_rejected += out.frames;
  unreported_rejects_ += out.frames + out.request.rejected_frames();
  unreported_drops_ += out.request.dropped_frames();
  log_->Log("rejected", absl::StrCat("the collector refused a batch of ", out.frames,
                                     " frames for good (", counts_.frames_rejected,
                                     " frames rejected so far); going on with the "
                                     "rest: ",
                                     why.ToString()));
  outbox_bytes_ -= out.bytes;
  outbox_.pop_front();
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
  if (replayer_ != nullptr) replayer_->Cancel();
  if (thread_.joinable()) thread_.join();
  std::shared_ptr<Spool> spool;
  {
    absl::MutexLock lock(&mu_);
    if (spool_ == nullptr) return;
    if (!outbox_.empty()) SpillOutboxLocked().IgnoreError();  // Logged; the rest stays held.
    spool_frames_at_stop_ = spool_->held_frames();
    spool = std::move(spool_);  // Destroyed below, unlocked (it seals with I/O).
    spool_ = nullptr;
  }
}

SenderCounts Sender::counts() const {
  const ReplayCounts replayed = replayer_ != nullptr ? replayer_->counts() : ReplayCounts();
  absl::MutexLock lock(&mu_);
  SenderCounts c = counts_;
  c.frames_acked += replayed.frames_acked;
  c.frames_rejected += replayed.frames_rejected;
  c.frames_dropped += replayed.frames_dropped;
  c.wire_bytes += replayed.wire_bytes;
  for (const Outgoing& out : outbox_) c.frames_unacked += out.frames;
  c.frames_unacked += spool_ != nullptr ? spool_->held_frames() : spool_frames_at_stop_;
  return c;
}

void Sender::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    MaybeRescan();
    if (replayer_ != nullptr && replayer_->HasWork()) {
      const bool ok = replayer_->ReplayAll();
      {
        absl::MutexLock lock(&mu_);  // Also wakes Drain.
        if (spool_mode_ && !spool_->has_own_segments()) spool_mode_ = false;
      }
      if (ok) {
        backoff_ = absl::ZeroDuration();
      } else {
        Backoff();
      }
      continue;
    }
    bool idle = false;
    {
      absl::MutexLock lock(&mu_);
      // Spool mode ends when the spool holds no segment of ours (a spill that failed wrote none).
      if (spool_mode_ && (spool_ == nullptr || !spool_->has_own_segments())) spool_mode_ = false;
      idle = options_.replay_only || spool_mode_;
    }
    if (idle) {  // Nothing to stream (spool mode: our segments are set aside): wait a while.
      mu_.LockWhenWithTimeout(absl::Condition(&stopping_), kIdlePoll);
      mu_.Unlock();
      continue;
    }
    if (!EnsureRunStarted() || !StreamOutbox()) Backoff();
  }
}

void Sender::MaybeRescan() {
  if (spool_ == nullptr || absl::Now() < next_rescan_) return;
  next_rescan_ = absl::Now() + options_.rescan_interval;
  spool_->Rescan();
  if (replayer_ != nullptr) replayer_->ClearSetAside();
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
  if (IsCredentialRefusal(status)) {
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

bool Sender::StreamOutbox() {
  PushStream stream(session_.get());
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return true;
    live_ = &stream;
    sent_ = 0;
  }
  bool broken = false, writable = true, acked_any = false;
  while (!broken) {
    v1::PushRequest to_write;
    bool write = false;
    {
      absl::MutexLock lock(&mu_);
      const auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || spool_mode_ || sent_ > 0 || !outbox_.empty();
      };
      const absl::Time poll = absl::Now() + kIdlePoll;
      mu_.AwaitWithDeadline(absl::Condition(&has_work),
                            spool_ != nullptr ? std::min(poll, next_rescan_) : poll);
      if (stopping_ || spool_mode_) break;
      if (writable && sent_ < outbox_.size() && sent_ < static_cast<size_t>(kWindow)) {
        to_write = outbox_[sent_].request;
        ++sent_;
        write = true;
      } else if (sent_ == 0) {
        // Nothing in flight: leave the stream for a due rescan (Run does it), else wait on.
        if (spool_ != nullptr && absl::Now() >= next_rescan_) break;
        continue;
      }
    }
    if (write) {
      writable = stream.Write(to_write);  // On failure, read the acks still on their way.
      continue;
    }
    v1::PushAck ack;
    if (!stream.ReadAck(&ack)) {
      broken = true;
      break;
    }
    absl::MutexLock lock(&mu_);
    if (sent_ == 0) continue;  // The outbox was spilled to the spool meanwhile.
    if (ack.sequence() != outbox_.front().request.sequence()) {
      log_->Log("protocol", absl::StrCat("ack for sequence ", ack.sequence(), ", expected ",
                                         outbox_.front().request.sequence()));
      broken = true;
      break;
    }
    if (options_.alerts != nullptr) options_.alerts->Add(outbox_.front().request.run_id(), ack);
    counts_.frames_acked += outbox_.front().frames;
    outbox_bytes_ -= outbox_.front().bytes;
    outbox_.pop_front();
    --sent_;
    acked_any = true;
    backoff_ = absl::ZeroDuration();
  }
  const absl::Status closed = stream.Close();
  absl::MutexLock lock(&mu_);
  live_ = nullptr;
  counts_.wire_bytes += stream.bytes_written();
  const size_t in_flight = sent_;
  sent_ = 0;
  if (!broken || stopping_ || spool_mode_) return true;
  if (in_flight > 0 && RejectsRequest(closed, acked_any)) {
    RejectFrontLocked(closed);
    return true;
  }
  LogFailureLocked("streaming", closed);
  run_started_ = false;  // The collector may have restarted without the run.
  return false;
}

}  // namespace actiscope::client
