// BeganAlerts: picks, among the alerts AlertEngine::Observe returns after a committed Push
// (those that began, cleared or are due for a refresh: server/alerts/alert_engine.h), the ones
// that began, which CollectorService announces in that request's ack (PushAck.alerts,
// proto/actiscope/v1/collector.proto). The engine's Alert does not say which of the three it
// is: a clear has `cleared` set, and a refresh repeats the first_step of the alert its series
// and type already hold; so this remembers the held alerts' first steps.
//
// An alert began when its series and type (run, rank, kind, layer, type) hold no alert with the
// same first_step; it is then remembered until it clears or its run is forgotten (FinishRun,
// a resume: CollectorService calls ForgetRun where it forgets the run's detectors).
//
// Memory: one entry per held alert, at most `max_held` (default kMaxHeld, about 100 bytes
// each). When full, a beginning is still reported but not remembered, so that alert's
// refreshes are reported as beginnings too (the client drops repeats of a first_step).
//
// Example:
//   std::vector<Alert> changed = engine.Observe(run_id, histograms);
//   std::vector<Alert> began = began_alerts.Select(changed);
//
// Thread-safety: safe to call concurrently (one mutex).
#ifndef ACTISCOPE_SERVER_GRPC_BEGAN_ALERTS_H_
#define ACTISCOPE_SERVER_GRPC_BEGAN_ALERTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Alerts one PushAck announces at most (PushAck.alerts); the rest count in alerts_omitted.
// A step's NaN reaches every probed series at once; 16 still names the first layers hit.
inline constexpr size_t kMaxAlertsPerAck = 16;

class BeganAlerts {
 public:
  // 65536 held alerts: 4 per series of a 16384-series run, or 65 per run at 1000 live runs.
  static constexpr size_t kMaxHeld = 65536;

  explicit BeganAlerts(size_t max_held = kMaxHeld) : max_held_(max_held) {}

  // The alerts of `changed` (with run_id set, as Observe returns them) that began, in order,
  // and records each change.
  std::vector<Alert> Select(const std::vector<Alert>& changed);
  // Forgets the run's held alerts: its next alerts are beginnings.
  void ForgetRun(absl::string_view run_id);
  // Held alerts remembered, over all runs.
  size_t held() const;

 private:
  using SeriesType = std::tuple<uint32_t, int, std::string, int>;  // rank, kind, layer, type.
  // Per run: each held alert's first_step.
  using RunHeld = absl::flat_hash_map<SeriesType, int64_t>;

  const size_t max_held_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, RunHeld> runs_ ABSL_GUARDED_BY(mu_);
  size_t held_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_BEGAN_ALERTS_H_
