// IngestBudget: the memory all Push requests being decoded and written may take together
// (actiscope-server --ingest_memory_bytes). CollectorService reserves a request's estimated
// footprint (its decompressed batch, then its decoded counts) before allocating it and gives
// it back when the request is stored, so many concurrent streams of large batches queue for
// memory instead of exhausting it. A reservation that does not fit waits up to `max_wait` for
// others to finish; one larger than the whole budget, or still not fitting then, is refused
// with RESOURCE_EXHAUSTED naming the flag.
//
// Freed memory is not always given back to the system by malloc (glibc keeps it in its arenas
// for reuse), so after a burst of large requests the server's RSS would stay at its peak. When
// the budget drains to zero after at least `release_after_bytes` were given back since the last
// time, it calls ReleaseFreeMemory (server/grpc/memory_release.h), outside its lock. The
// default, 16 MiB, is about one large request: a trainer's small pushes reach it rarely, and
// after a burst of large ones what stays untrimmed is at most that much.
//
// Thread-safety: all methods may be called concurrently; a Reservation by one thread.
#ifndef ACTISCOPE_SERVER_GRPC_INGEST_BUDGET_H_
#define ACTISCOPE_SERVER_GRPC_INGEST_BUDGET_H_

#include <cstdint>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace actiscope::server {

class IngestBudget {
 public:
  // Bytes held; given back when destroyed. Grow adds to it.
  class Reservation {
   public:
    explicit Reservation(IngestBudget* budget) : budget_(budget) {}
    ~Reservation();
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    // Reserves `bytes` more (see the file comment for the errors); `what` names them.
    absl::Status Grow(uint64_t bytes, absl::string_view what);
    uint64_t bytes() const { return bytes_; }

   private:
    IngestBudget* const budget_;
    uint64_t bytes_ = 0;
  };

  IngestBudget(uint64_t limit_bytes, absl::Duration max_wait,
               uint64_t release_after_bytes = uint64_t{16} << 20)
      : limit_(limit_bytes), max_wait_(max_wait), release_after_(release_after_bytes) {}

  uint64_t in_use() const;
  // How many times the drained budget released free memory to the system.
  int releases() const;

 private:
  absl::Status Take(uint64_t bytes, uint64_t already_held, absl::string_view what);
  void Give(uint64_t bytes);

  const uint64_t limit_;
  const absl::Duration max_wait_;
  const uint64_t release_after_;
  mutable absl::Mutex mu_;
  uint64_t in_use_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t given_back_ ABSL_GUARDED_BY(mu_) = 0;  // Since the last release.
  int releases_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_INGEST_BUDGET_H_
