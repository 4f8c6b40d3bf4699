// RunNotifier: where the write path tells the read path that a run changed. Ingest calls
// Notify after each committed batch (and on start/finish); Query.WatchRun and the HTTP
// Server-Sent Events wait on it instead of polling the database.
//
// Thread-safety: all methods are safe to call concurrently.
//
// Example:
//   uint64_t seen = notifier.Version(run_id);
//   while (notifier.WaitForChange(run_id, seen, absl::Now() + absl::Seconds(15), &seen)) {
//     ... read and send what changed ...
//   }
#ifndef ACTISCOPE_SERVER_RUN_NOTIFIER_H_
#define ACTISCOPE_SERVER_RUN_NOTIFIER_H_

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace actiscope::server {

class RunNotifier {
 public:
  // Bumps the run's version and wakes its waiters.
  void Notify(absl::string_view run_id);
  // The run's current version; zero when it never changed since the server started.
  uint64_t Version(absl::string_view run_id) const;
  // Waits until the run's version differs from `seen`, `deadline` passes or Shutdown is
  // called. Returns true and sets *version when it changed; false on deadline or shutdown.
  bool WaitForChange(absl::string_view run_id, uint64_t seen, absl::Time deadline,
                     uint64_t* version);
  // Wakes every waiter for good; later waits return false at once.
  void Shutdown();
  bool is_shut_down() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, uint64_t> versions_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_RUN_NOTIFIER_H_
