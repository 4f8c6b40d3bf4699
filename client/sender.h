// The reporter's delivery stage: takes finished PushRequests from the batcher and delivers
// them to the collector in order, each kept until acknowledged, spilling to the disk spool
// when the collector cannot keep up.
//
// Two places hold undelivered requests: the in-memory outbox (bounded by `outbox_bound_bytes`)
// and the spool. While the spool holds segments of this process (spool mode), new requests
// are appended there too, so that delivery order is kept; otherwise they go to the outbox
// until it is full, when the whole outbox is moved to the spool. The sender thread first
// replays sealed spool segments, oldest first (one Push stream per segment, after StartRun of
// the segment's run: this also delivers spools left by earlier processes), then streams the
// outbox over one long-lived Push stream with up to kWindow requests in flight. On any error
// it backs off exponentially (100 ms doubling to 5 s, with jitter) and resends everything
// unacknowledged; the collector stores a frame at most once, so resending is safe. A collector
// that refuses the token (UNAUTHENTICATED, PERMISSION_DENIED) is treated the same way: the
// data stays queued and spooled, and the refusal is logged (rate-limited) with what to fix.
// Requests that fit neither place are dropped; their frames are counted, logged and reported
// in the next request's dropped_frames.
//
// Thread-safety: Submit, Drain and Stop may be called from any thread.
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
#include "client/collector_session.h"
#include "client/rate_limited_log.h"
#include "client/spool.h"

namespace actiscope::client {

struct SenderOptions {
  v1::RunSpec run;
  bool replay_only = false;  // Only replay the spool (SyncSpool); `run` is unused.
  size_t outbox_bound_bytes = size_t{32} << 20;
  uint64_t seed = 0;  // Of the backoff jitter.
};

struct SenderCounts {
  uint64_t frames_submitted = 0;  // Frames in requests given to Submit.
  uint64_t frames_acked = 0;      // Of those and of replayed segments.
  uint64_t frames_dropped = 0;    // Lost to both bounds.
  uint64_t frames_unacked = 0;    // In the outbox or in the spool.
  // Bytes of all Push requests written, resends included (PushStream::bytes_written).
  uint64_t wire_bytes = 0;
};

class Sender {
 public:
  static constexpr int kWindow = 16;  // Requests in flight on one stream.

  // `session` null means offline: never connect, everything goes to the spool. `spool` may be
  // null (no spool). Starts the sender thread unless offline.
  Sender(SenderOptions options, std::unique_ptr<CollectorSession> session,
         std::shared_ptr<Spool> spool, RateLimitedLog* log);
  ~Sender();  // Stop().

  // Queues `request` (holding `frames` frames) for delivery; never blocks on the network.
  // Sets request.dropped_frames to the frames dropped since the last report.
  void Submit(v1::PushRequest request, uint32_t frames);
  // Frames dropped before reaching the sender (the record queue was full).
  void CountDropped(uint64_t frames);
  // True when frames were dropped and not yet reported in a request.
  bool HasUnreportedDrops() const;
  // Waits until everything submitted and spooled is acknowledged or `deadline` passes.
  // True when everything was delivered (drops not yet reported do not count).
  bool Drain(absl::Time deadline);
  // Stops the thread, cancelling a blocked stream, and moves what remains in the outbox to
  // the spool (when there is one). Idempotent.
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
  bool ReplaySpool();
  bool ReplaySegment(const std::string& path);
  bool StreamOutbox();
  bool EnsureRunStarted();
  void Backoff();
  // Logs a failed call (`what`: "starting the run", ...), rate-limited, and keeps it as
  // last_failure_.
  void LogFailure(const std::string& what, const absl::Status& status) ABSL_LOCKS_EXCLUDED(mu_);
  void LogFailureLocked(const std::string& what, const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void SpillOutboxLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AppendToSpoolLocked(const Outgoing& out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DropLocked(const Outgoing& out, const absl::Status& why) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AllDeliveredLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SenderOptions options_;
  const std::unique_ptr<CollectorSession> session_;
  const std::shared_ptr<Spool> spool_;
  RateLimitedLog* const log_;
  std::mt19937_64 jitter_;
  absl::Duration backoff_ = absl::ZeroDuration();
  bool run_started_ = false;  // Sender thread only.

  mutable absl::Mutex mu_;
  std::deque<Outgoing> outbox_ ABSL_GUARDED_BY(mu_);
  size_t outbox_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  size_t sent_ ABSL_GUARDED_BY(mu_) = 0;  // outbox_[0, sent_) are in flight.
  bool spool_mode_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool replaying_ ABSL_GUARDED_BY(mu_) = false;      // A spool segment is being replayed.
  PushStream* live_ ABSL_GUARDED_BY(mu_) = nullptr;  // To cancel on spill and Stop.
  uint64_t unreported_drops_ ABSL_GUARDED_BY(mu_) = 0;
  SenderCounts counts_ ABSL_GUARDED_BY(mu_);
  absl::Status last_failure_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_SENDER_H_
