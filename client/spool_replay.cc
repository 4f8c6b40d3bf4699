// Replay of spool segments, with rejection of permanently refused requests (spool_replay.h).
#include "client/spool_replay.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "client/push_refusal.h"
#include "client/run_spec.h"
#include "proto/histogram_codec.h"

namespace actiscope::client {
namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(2);

}  // namespace

SpoolReplayer::SpoolReplayer(
    CollectorSession* session, Spool* spool, RateLimitedLog* log,
    std::function<void(const std::string&, const absl::Status&)> on_failure, AlertInbox* alerts)
    : session_(session),
      spool_(spool),
      log_(log),
      on_failure_(std::move(on_failure)),
      alerts_(alerts) {}

bool SpoolReplayer::HasWork() const {
  for (const HeldSegment& segment : spool_->HeldSegments()) {
    if (set_aside_.count(segment.path) == 0) return true;
  }
  return false;
}

void SpoolReplayer::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (live_ != nullptr) live_->Cancel();
}

bool SpoolReplayer::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

ReplayCounts SpoolReplayer::counts() const {
  absl::MutexLock lock(&mu_);
  return counts_;
}

bool SpoolReplayer::ReplayAll() {
  spool_->Seal();
  for (const HeldSegment& segment : spool_->SealedSegments()) {
    if (cancelled()) return true;
    if (set_aside_.count(segment.path) > 0) continue;
    if (ReplaySegment(segment) == Outcome::kRetry) return cancelled();
  }
  return true;
}

SpoolReplayer::Outcome SpoolReplayer::ReplaySegment(const HeldSegment& segment) {
  const std::string& path = segment.path;
  absl::StatusOr<SegmentContents> contents = ReadSegment(path);
  if (absl::IsNotFound(contents.status())) {  // Removed behind our back: forget it.
    spool_->Remove(path).IgnoreError();
    progress_.erase(path);
    return Outcome::kDone;
  }
  if (absl::IsDataLoss(contents.status())) {
    log_->Log("spool", absl::StrCat("deleting unreadable spool segment (", segment.frames,
                                    " frames lost): ", contents.status().ToString()));
    spool_->Remove(path).IgnoreError();
    progress_.erase(path);
    absl::MutexLock lock(&mu_);
    counts_.frames_dropped += segment.frames;
    return Outcome::kDone;
  }
  if (!contents.ok()) {
    log_->Log("spool", absl::StrCat("cannot read spool segment, retried later: ",
                                    contents.status().ToString()));
    set_aside_.insert(path);
    return Outcome::kSetAside;
  }
  UpgradeLegacyResume(&contents->run);
  const auto [it, fresh] = progress_.try_emplace(path);
  Progress& progress = it->second;
  if (fresh) {
    uint64_t readable = 0;
    for (const SpooledRequest& r : contents->requests) readable += r.frames;
    progress.lost = segment.frames > readable ? segment.frames - readable : 0;
    progress.carry_dropped = progress.lost;
    if (contents->corrupt_regions > 0) {
      log_->Log("spool", absl::StrCat("spool segment ", path, ": skipped ",
                                      contents->corrupt_regions, " damaged region(s)",
                                      contents->corrupt_tail ? ", the last at its end" : "", "; ",
                                      progress.lost, " frames known lost, counted as dropped"));
    }
  }
  if (progress.next < contents->requests.size() ||
      progress.carry_dropped + progress.carry_rejected > 0) {
    if (absl::Status s = session_->StartRun(contents->run, kRpcTimeout); !s.ok()) {
      if (RejectsRequest(s, /*acked_on_stream=*/false)) {
        log_->Log("spool", absl::StrCat("the collector refuses the run of spool segment ", path,
                                        " (kept, tried again later): ", s.ToString()));
        set_aside_.insert(path);
        return Outcome::kSetAside;
      }
      on_failure_("replaying the spool", s);
      return Outcome::kRetry;
    }
    if (const Outcome o = Stream(path, *contents, &progress); o != Outcome::kDone) return o;
  }
  {  // Counted before the segment leaves the spool: a Drain that sees the spool empty then
     // also sees these frames acked.
    absl::MutexLock lock(&mu_);
    counts_.frames_acked += progress.acked;
    counts_.frames_rejected += progress.rejected;
    counts_.frames_dropped += progress.lost;
    progress_.erase(path);
  }
  if (absl::Status s = spool_->Remove(path); !s.ok()) log_->Log("spool", s.ToString());
  return Outcome::kDone;
}

SpoolReplayer::Outcome SpoolReplayer::Stream(const std::string& path,
                                             const SegmentContents& contents, Progress* progress) {
  const std::vector<SpooledRequest>& requests = contents.requests;
  const uint64_t report_sequence = requests.empty() ? 1 : requests.back().request.sequence() + 1;
  while (true) {
    if (progress->next >= requests.size()) {
      if (progress->carry_dropped + progress->carry_rejected == 0) return Outcome::kDone;
      progress->next = requests.size();  // Only the counts are left: send them alone.
    }
    const size_t first = progress->next;
    const size_t end = first < requests.size() ? requests.size() : requests.size() + 1;
    // Request i of this stream: the spooled one, or the counts' own; the first carries them.
    const auto request = [&](size_t i) {
      v1::PushRequest r;
      if (i < requests.size()) {
        r = requests[i].request;
      } else {
        r.set_sequence(report_sequence);
        r.set_zstd_batch(codec::CompressBatch(v1::FrameBatch()));
      }
      if (r.run_id().empty()) r.set_run_id(contents.run.run_id());
      if (i == first) {
        r.set_dropped_frames(r.dropped_frames() + progress->carry_dropped);
        r.set_rejected_frames(r.rejected_frames() + progress->carry_rejected);
      }
      return r;
    };
    const auto sequence = [&](size_t i) {
      return i < requests.size() ? requests[i].request.sequence() : report_sequence;
    };
    PushStream stream(session_);
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return Outcome::kRetry;
      live_ = &stream;
    }
    size_t written = first;
    bool writable = true, acked_any = false;
    while (progress->next < end) {
      if (writable && written < end && written - progress->next < kWindow) {
        writable = stream.Write(request(written++));
        continue;
      }
      v1::PushAck ack;
      if (!stream.ReadAck(&ack) || ack.sequence() != sequence(progress->next)) break;
      acked_any = true;
      if (alerts_ != nullptr) {
        const std::string& run_id = progress->next < requests.size()
                                        ? requests[progress->next].request.run_id()
                                        : std::string();
        alerts_->Add(run_id.empty() ? contents.run.run_id() : run_id, ack);
      }
      if (progress->next == first) progress->carry_dropped = progress->carry_rejected = 0;
      if (progress->next < requests.size()) progress->acked += requests[progress->next].frames;
      ++progress->next;
    }
    const absl::Status closed = stream.Close();
    {
      absl::MutexLock lock(&mu_);
      live_ = nullptr;
      counts_.wire_bytes += stream.bytes_written();
    }
    if (progress->next == end) continue;
    if (cancelled()) return Outcome::kRetry;
    if (progress->next >= written || !RejectsRequest(closed, acked_any)) {
      on_failure_(absl::StrCat("replaying spool segment ", path), closed);
      return Outcome::kRetry;
    }
    if (progress->next == requests.size()) {  // The counts' own request: nothing else to try.
      log_->Log("rejected",
                absl::StrCat("the collector refused the report of ", progress->carry_rejected,
                             " rejected and ", progress->carry_dropped,
                             " dropped frames: ", closed.ToString()));
      progress->carry_dropped = progress->carry_rejected = 0;
      ++progress->next;
      continue;
    }
    const SpooledRequest& culprit = requests[progress->next];
    progress->rejected += culprit.frames;
    progress->carry_rejected += culprit.frames + culprit.request.rejected_frames();
    progress->carry_dropped += culprit.request.dropped_frames();
    ++progress->next;
    log_->Log("rejected",
              absl::StrCat("the collector refused a spooled batch of ", culprit.frames,
                           " frames for good; going on with the rest: ", closed.ToString()));
  }
}

}  // namespace actiscope::client
