// IngestCounters: what the gRPC edge counts about ingest that the store cannot see: requests it
// refused (by status code) and the Push streams open now. The Collector service writes them;
// /metrics (server/http/metrics_text.h) reads a Snapshot. Frames stored, ignored and
// conflicting are the store's (server/store/store_stats.h).
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef ACTISCOPE_SERVER_INGEST_COUNTERS_H_
#define ACTISCOPE_SERVER_INGEST_COUNTERS_H_

#include <array>
#include <atomic>
#include <cstdint>

#include "absl/status/status.h"

namespace actiscope::server {

class IngestCounters {
 public:
  // absl::StatusCode values are 0..16.
  static constexpr int kCodes = 17;

  struct Snapshot {
    // Push requests and StartRun calls refused, indexed by absl::StatusCode.
    std::array<uint64_t, kCodes> refused{};
    std::array<uint64_t, kCodes> frames_refused{};  // Frames in the Push requests refused.
    int64_t open_push_streams = 0;
  };

  // A Push request holding `frames` frames, or a StartRun (frames 0), refused with `code`.
  void CountRefusal(absl::StatusCode code, uint64_t frames);
  void PushStreamOpened() { open_push_streams_.fetch_add(1, std::memory_order_relaxed); }
  void PushStreamClosed() { open_push_streams_.fetch_sub(1, std::memory_order_relaxed); }

  Snapshot Read() const;

 private:
  std::array<std::atomic<uint64_t>, kCodes> refused_{};
  std::array<std::atomic<uint64_t>, kCodes> frames_refused_{};
  std::atomic<int64_t> open_push_streams_{0};
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_INGEST_COUNTERS_H_
