// The sender's replay of spool segments (spool.h): for each sealed segment the Spool holds,
// StartRun with the segment's RunSpec (its resume_id included, so a resume is applied once
// however often it is replayed), then one Push stream of the segment's requests, up to
// kWindow in flight, and the segment is deleted once every request is acknowledged or
// rejected.
//
// Errors (push_refusal.h): a request the collector refuses permanently is rejected: its
// frames are counted, logged and reported (PushRequest.rejected_frames) in the next request
// of the segment, or in a request with an empty batch after its last one, and the replay goes
// on behind it. A transient error stops the pass (the caller backs off); the next pass
// resumes each segment after its last acknowledged or rejected request, as long as this
// object lives (a new process replays a segment from its start: the collector ignores
// identical re-sends, but a rejection found again is counted and reported again). A segment
// whose StartRun the collector refuses for good (push_refusal.h; a refused token or an outage
// stops the pass instead), or that cannot be read (an I/O error), is set aside until
// ClearSetAside (the sender calls it on each rescan) and the pass goes on; a segment
// whose file vanished is forgotten; one without a readable run record is deleted and its
// frames counted as dropped.
//
// Damaged records (spool_segment.h) are skipped: a segment's frames that are neither in a
// good record nor known lost cannot be delivered; for the segments of this process (whose
// frame count the Spool knows) and for adopted ones (where only the frames known lost count)
// they are counted as dropped and reported in the segment's first request sent.
//
// Thread-safety: ReplayAll, HasWork and ClearSetAside are called by one thread (the
// sender's); Cancel, counts and last_failure from any.
#ifndef ACTISCOPE_CLIENT_SPOOL_REPLAY_H_
#define ACTISCOPE_CLIENT_SPOOL_REPLAY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "client/alert_inbox.h"
#include "client/collector_session.h"
#include "client/rate_limited_log.h"
#include "client/spool.h"

namespace actiscope::client {

// What the replays achieved, in frames of finished segments (a segment counts when deleted),
// and the bytes they wrote.
struct ReplayCounts {
  uint64_t frames_acked = 0;
  uint64_t frames_rejected = 0;
  uint64_t frames_dropped = 0;
  uint64_t wire_bytes = 0;  // Every stream's PushStream::bytes_written.
};

class SpoolReplayer {
 public:
  static constexpr int kWindow = 16;  // Requests in flight on one stream.

  // Failures are passed to `on_failure` (what was being done, the error); the alerts of the
  // acks to `alerts` unless null. `session`, `spool`, `log` and `alerts` must outlive the
  // replayer.
  SpoolReplayer(CollectorSession* session, Spool* spool, RateLimitedLog* log,
                std::function<void(const std::string&, const absl::Status&)> on_failure,
                AlertInbox* alerts = nullptr);

  // True when the Spool holds a segment (the one being appended to included) not set aside.
  bool HasWork() const;
  // Seals the Spool and replays every held segment not set aside, oldest first. False when a
  // transient collector error stopped the pass (back off before the next); true when every
  // segment was delivered, set aside or forgotten, or Cancel was called.
  bool ReplayAll();
  // Segments set aside are tried again by the next ReplayAll.
  void ClearSetAside() { set_aside_.clear(); }
  // Cancels the stream in flight and makes ReplayAll return at once from now on.
  void Cancel();

  ReplayCounts counts() const;

 private:
  enum class Outcome { kDone, kRetry, kSetAside };
  // Where the replay of one segment stands (between passes).
  struct Progress {
    size_t next = 0;  // Requests [0, next) are acknowledged or rejected.
    uint64_t acked = 0;
    uint64_t rejected = 0;
    uint64_t lost = 0;  // Frames the segment held that no good record holds.
    // Counts not yet acknowledged by the collector, sent with the request at `next`.
    uint64_t carry_dropped = 0;
    uint64_t carry_rejected = 0;
  };
  Outcome ReplaySegment(const HeldSegment& segment);
  // Streams the requests from progress.next on; kDone when none is left.
  Outcome Stream(const std::string& path, const SegmentContents& contents, Progress* progress);
  bool cancelled() const;

  CollectorSession* const session_;
  Spool* const spool_;
  RateLimitedLog* const log_;
  const std::function<void(const std::string&, const absl::Status&)> on_failure_;
  AlertInbox* const alerts_;
  std::map<std::string, Progress> progress_;  // By segment path.
  std::set<std::string> set_aside_;

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  PushStream* live_ ABSL_GUARDED_BY(mu_) = nullptr;
  ReplayCounts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SPOOL_REPLAY_H_
