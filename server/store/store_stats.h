// StoreStats: what the store counts for operators. actiscope-server renders it on /metrics
// (Prometheus text, server/http/) and derives health from it (gRPC health and /healthz say
// NOT_SERVING while commit_ok is false). Read with SqliteStore::Stats(); every counter counts
// from the store's Open.
//
// Thread-safety: a plain value, copied out under the store's locks.
#ifndef ACTISCOPE_SERVER_STORE_STORE_STATS_H_
#define ACTISCOPE_SERVER_STORE_STORE_STATS_H_

#include <array>
#include <cstdint>
#include <string>

namespace actiscope::server {

// Upper bounds, in seconds, of the commit latency histogram's buckets (the last bucket, +Inf,
// is implied): from a fast SSD's fsync to a stalled disk.
inline constexpr std::array<double, 10> kCommitLatencyBounds = {0.001, 0.0025, 0.005, 0.01, 0.025,
                                                                0.05,  0.1,    0.25,  1.0,  5.0};

struct StoreStats {
  // Histogram frames of committed batches: stored, ignored as identical re-sends, and
  // conflicting (differed from the frame already stored for their step; not stored).
  uint64_t frames_stored = 0;
  uint64_t frames_ignored = 0;
  uint64_t frames_conflicting = 0;
  // Frames clients reported as rejected (PushRequest.rejected_frames) and dropped
  // (PushRequest.dropped_frames), summed over committed batches.
  uint64_t frames_rejected_by_clients = 0;
  uint64_t frames_dropped_by_clients = 0;
  // Group commits that succeeded, and their latency (transaction begin to commit returned):
  // commit_latency_buckets[i] counts commits above bound i-1 and at most bound i of
  // kCommitLatencyBounds (not cumulative); the last element those above every bound.
  uint64_t commits = 0;
  std::array<uint64_t, kCommitLatencyBounds.size() + 1> commit_latency_buckets{};
  double commit_latency_seconds_sum = 0;
  // Batches that failed with an error from SQLite or the file system (not a batch's own
  // invalid content): each failed group counts each of its batches.
  uint64_t store_errors = 0;
  // Writes waiting in the group-commit queue now, the leader's group included.
  int64_t queue_depth = 0;
  // Bytes of the database file plus its WAL now.
  int64_t database_bytes = 0;
  // False from a failed commit until a commit (or SqliteStore::ProbeCommit) succeeds again;
  // last_error says why.
  bool commit_ok = true;
  std::string last_error;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_STORE_STATS_H_
