// The reporter's delivery stage: takes finished PushRequests from the batcher and delivers
// them to the collector, each kept until acknowledged or rejected, spilling to the disk spool
// when the collector cannot keep up.
//
// Two places hold undelivered requests: the in-memory outbox (bounded by `outbox_bound_bytes`)
// and the spool. While the spool holds segments this process wrote (spool mode), new requests
// are appended there too, so that delivery order is kept; otherwise they go to the outbox
// until it is full, when the outbox is moved to the spool. When the spool cannot be written
// (a full or read-only disk, no descriptors left), what could not be moved stays in the
// outbox, new requests go to the outbox while it has room, and spool mode ends once the spool
// holds none of this process's segments: a failing disk costs only what fits in neither place.
// The sender thread first replays the spool's segments (spool_replay.h: this also delivers
// segments of ended processes sharing the directory; the spool is rescanned for newly ended
// ones every `rescan_interval`), then streams the outbox over one long-lived Push stream with
// up to kWindow requests in flight, StartRun (the same RunSpec, resume_id included) first and
// again after every stream failure.
//
// Errors (push_refusal.h has the exact rule): a request the collector refuses permanently
// (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE, RESOURCE_EXHAUSTED naming a limit the
// request is over) is rejected: the first unacknowledged request of the failed stream is
// dropped from the outbox, its frames counted in frames_rejected, logged (rate-limited) and
// reported in the next request's rejected_frames, and streaming goes on at once. Any other
// error backs off exponentially (100 ms doubling to 5 s, with jitter) and resends everything
// unacknowledged; the collector ignores a frame it already holds, so resending is safe. A
// collector that refuses the token (UNAUTHENTICATED, PERMISSION_DENIED on StartRun or on a
// stream before its first ack) is retried the same way, never rejected: the data stays queued
// and spooled, and the refusal is logged with what to fix. The run's StartRun, refused for any
// reason, is retried likewise (rejecting it would give up the whole run); a spool segment whose
// StartRun is refused for good is kept and set aside until the next rescan (spool_replay.h).
//
// The alerts an ack announces (PushAck.alerts) go to `alerts` (alert_inbox.h).
//
// Requests that fit neither place are dropped; their frames are counted, logged and reported
// in the next request's dropped_frames. Every frame submitted is acked, rejected, dropped or
// still held (SenderCounts).
//
// Thread-safety: Submit, Count*, Drain and Stop may be called from any thread.
#ifndef ACTISCOPE_CLIENT_SENDER_H_
#define ACTISCOPE_CLIENT_SENDER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "client/alert_inbox.h"
#include "client/collector_session.h"
#include "client/rate_limited_log.h"
#include "client/spool.h"
#include "client/spool_replay.h"

namespace actiscope::client {

struct SenderOptions {
  v1::RunSpec run;
  bool replay_only = false;  // Only replay the spool (SyncSpool); `run` is unused.
  size_t outbox_bound_bytes = size_t{32} << 20;
  uint64_t seed = 0;  // Of the backoff jitter.
  // How often the spool is listed again for segments of processes that ended meanwhile; also
  // when segments set aside (spool_replay.h) are tried again.
  absl::Duration rescan_interval = absl::Seconds(30);
  // Where the alerts of the acks go (streamed and replayed requests alike); null: ignored.
  // Not owned; must outlive the Sender.
  AlertInbox* alerts = nullptr;
};

// Frames by where they are. frames_submitted plus the frames passed to CountDropped and
// CountRejected equals frames_acked + frames_rejected + frames_dropped + frames_unacked, when
// the spool held no segments of other processes (those count in acked, rejected, dropped and
// unacked too once adopted).
struct SenderCounts {
  uint64_t frames_submitted = 0;  // Frames in requests given to Submit.
  uint64_t frames_acked = 0;      // Of those and of replayed segments.
  uint64_t frames_rejected = 0;   // Refused permanently by the collector, or CountRejected.
  uint64_t frames_dropped = 0;    // Lost to both bounds, CountDropped, damaged spool records.
  uint64_t frames_unacked = 0;    // In the outbox or in the segments the spool holds.
  // Bytes of all Push requests written, resends included (PushStream::bytes_written).
  uint64_t wire_bytes = 0;
};

class Sender {
 public:
  static constexpr int kWindow = SpoolReplayer::kWindow;  // Requests in flight on one stream.

  // `session` null means offline: never connect, everything goes to the spool. `spool` may be
  // null (no spool). Starts the sender thread unless offline.
  Sender(SenderOptions options, std::unique_ptr<CollectorSession> session,
         std::shared_ptr<Spool> spool, RateLimitedLog* log);
  ~Sender();  // Stop().

  // Queues `request` (holding `frames` frames) for delivery; never blocks on the network.
  // Adds to request.dropped_frames and request.rejected_frames the frames dropped and
  // rejected since the last report.
  void Submit(v1::PushRequest request, uint32_t frames);
  // Frames dropped before reaching the sender (the record queue was full, invalid input).
  void CountDropped(uint64_t frames);
  // Frames refused before reaching the sender (a changed bin layout).
  void CountRejected(uint64_t frames);
  // True when frames were dropped or rejected and not yet reported in a submitted request.
  bool HasUnreportedCounts() const;
  // Waits until everything submitted and spooled is acknowledged or rejected, or `deadline`
  // passes. True when nothing is left (counts not yet reported do not count).
  bool Drain(absl::Time deadline);
  // Stops the thread, cancelling a blocked stream, moves what remains in the outbox to the
  // spool (when there is one and it can be written) and lets go of the spool (destroyed when
  // no one else holds it: its segments become another process's to replay). Idempotent.
  void Stop();

  SenderCounts counts() const;
  // The last failed call to the collector, with the collector's address and what was being
  // done; OK when none failed.
  absl::Status last_failure() const;
  // Null when offline.
  CollectorSession* session() { return session_.get(); }

 private:
  struct Outgoing {
    v1::PushRequest request;
    uint32_t frames = 0;
    size_t bytes = 0;
  };

  void Run();
  // Each returns false when the collector failed (back off and retry).
  bool StreamOutbox();
  bool EnsureRunStarted();
  void Backoff();
  // Rescans the spool when rescan_interval has passed.
  void MaybeRescan();
  // Logs a failed call (`what`: "starting the run", ...), rate-limited, and keeps it as
  // last_failure_.
  void LogFailure(const std::string& what, const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void LogFailureLocked(const std::string& what, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Puts a submitted request in the spool or the outbox, or drops it.
  void PlaceLocked(Outgoing out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves the outbox to the spool, oldest first, until an append fails; returns its error.
  absl::Status SpillOutboxLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  [[nodiscard]] absl::Status AppendToSpoolLocked(const Outgoing& out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropLocked(const Outgoing& out, const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Gives up the outbox's first request, which the collector refused with `why`.
  void RejectFrontLocked(const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AllDeliveredLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SenderOptions options_;
  const std::unique_ptr<CollectorSession> session_;
  // Null once Stop let go of it; until then read by the sender thread and under mu_.
  std::shared_ptr<Spool> spool_;
  RateLimitedLog* const log_;
  // Null without a spool or offline. Used by the sender thread only (it points at the spool);
  // kept after Stop for its counts.
  std::unique_ptr<SpoolReplayer> replayer_;
  // Sender thread only:
  std::mt19937_64 jitter_;
  absl::Duration backoff_ = absl::ZeroDuration();
  bool run_started_ = false;
  absl::Time next_rescan_;

  mutable absl::Mutex mu_;
  std::deque<Outgoing> outbox_ ABSL_GUARDED_BY(mu_);
  size_t outbox_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t sent_ ABSL_GUARDED_BY(mu_) = 0;  // outbox_[0, sent_) are in flight.
  bool spool_mode_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  PushStream* live_ ABSL_GUARDED_BY(mu_) = nullptr;  // To cancel on spill and Stop.
  uint64_t unreported_drops_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t unreported_rejects_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t spool_frames_at_stop_ ABSL_GUARDED_BY(mu_) = 0;
  SenderCounts counts_ ABSL_GUARDED_BY(mu_);
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SENDER_H_
