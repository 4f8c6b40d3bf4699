// StoreHealth: whether actiscope-server can store what it would acknowledge, for the health
// checks of both edges (gRPC grpc.health.v1 and HTTP /healthz). The store says NOT_SERVING
// from a failed commit (SQLite or disk error, disk or --max_database_bytes full) until a
// commit succeeds again; while it is down, a background thread probes it
// (SqliteStore::ProbeCommit) every `probe_interval`, so health comes back without ingest
// traffic, and reports each change to `on_change` (which sets the gRPC health status).
//
// Thread-safety: Serving and Reason are safe from any thread; Start and Stop from one.
#ifndef ACTISCOPE_SERVER_STORE_HEALTH_H_
#define ACTISCOPE_SERVER_STORE_HEALTH_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

class StoreHealth {
 public:
  // `store` must outlive this. `on_change(serving)` runs on the probing thread.
  StoreHealth(SqliteStore* store, absl::Duration probe_interval,
              std::function<void(bool)> on_change);
  ~StoreHealth();  // Stop().
  StoreHealth(const StoreHealth&) = delete;
  StoreHealth& operator=(const StoreHealth&) = delete;

  void Start();
  void Stop();

  // True while the store can commit (read live from the store's counters).
  bool Serving() const;
  // Why not, when not serving: the last store error.
  std::string Reason() const;

 private:
  void Loop();

  SqliteStore* const store_;
  const absl::Duration probe_interval_;
  const std::function<void(bool)> on_change_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_HEALTH_H_
