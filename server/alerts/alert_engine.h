// AlertEngine: runs the detectors of server/alerts/ over every histogram the gRPC edge stores
// (CollectorService::Ingest, after the store committed the batch) and returns the alerts that
// began, cleared or are due for a refresh, which the edge upserts into the store
// (SqliteStore::UpsertAlerts). One SeriesDetector per series (run, rank, kind, layer); the run
// level joins them for the frozen rules (an activation series that has not moved while others
// did, a weight series unchanged while another still changes).
//
// Detector state lives only in memory: a server restart starts every detector fresh (baselines
// are relearned from the next frames), while the alerts already stored stay. FinishRun forgets
// the run's detectors.
//
// Cost: O(bins) per histogram to read it, O(1) otherwise, no database reads. Memory is bounded
// by max_runs x max_series_per_run detectors (each at most about 1.1 KiB: series_detector.h); the
// histograms of a run or series beyond the caps are not watched.
//
// Example:
//   AlertEngine engine(AlertEngineOptions{});
//   std::vector<Alert> changed = engine.Observe(batch.run_id, batch.histograms);
//   if (!changed.empty()) store->UpsertAlerts(changed);
//
// Thread-safety: safe to call concurrently (one mutex; each call holds it for one batch).
#ifndef ACTISCOPE_SERVER_ALERTS_ALERT_ENGINE_H_
#define ACTISCOPE_SERVER_ALERTS_ALERT_ENGINE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/span.h"
#include "server/alerts/alert_rules.h"
#include "server/alerts/series_detector.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct AlertEngineOptions {
  // False: Observe watches nothing and returns no alert (actiscope-server --alerts=false).
  bool enabled = true;
  AlertRules rules;
  // Runs watched at once: runs beyond it are not watched until another is forgotten. 1000 live
  // runs is far more than one server ingests at once.
  size_t max_runs = 1000;
  // Series watched per run; the store's default max_series_per_run.
  size_t max_series_per_run = 16384;
};

class AlertEngine {
 public:
  explicit AlertEngine(AlertEngineOptions options);

  // Feeds each histogram of the run to its series' detectors, in order, and returns the
  // alerts that changed (run_id set), in the order they changed.
  std::vector<Alert> Observe(absl::string_view run_id, absl::Span<const Histogram> histograms);

  // Drops the run's detectors (a finished run); a later frame of it starts them fresh.
  void ForgetRun(absl::string_view run_id);

  // Runs and series currently watched, for tests and operators.
  size_t runs_watched() const;
  size_t series_watched(absl::string_view run_id) const;

 private:
  using SeriesKey = std::tuple<std::string, int, uint32_t>;  // layer, kind, rank.
  struct RunState {
    absl::flat_hash_map<SeriesKey, std::unique_ptr<SeriesDetector>> series;
    int64_t changing_weights = 0;  // Weight series whose changing() is true.
    // The two largest reference_moved() of the run's activation series and their series.
    // An eligible series' reference_moved() only grows, so these stay exact by updates; when a
    // holder's drops to 0 (its layer collapsed or died) the run's series are scanned again.
    const SeriesDetector* most_moved = nullptr;
    double most_moved_value = 0;
    const SeriesDetector* second_moved = nullptr;
    double second_moved_value = 0;
  };

  // Updates the run's two most-moved series after `detector` observed a frame.
  static void UpdateMostMoved(RunState* run, const SeriesDetector* detector);

  const AlertEngineOptions options_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<RunState>> runs_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_ALERTS_ALERT_ENGINE_H_
