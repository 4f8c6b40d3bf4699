// The run-level joining of series detectors (see alert_engine.h).
#include "server/alerts/alert_engine.h"

#include <utility>

namespace actiscope::server {

AlertEngine::AlertEngine(AlertEngineOptions options) : options_(std::move(options)) {}

std::vector<Alert> AlertEngine::Observe(absl::string_view run_id,
                                        absl::Span<const Histogram> histograms) {
  std::vector<Alert> changed;
  if (!options_.enabled) return changed;
  absl::MutexLock lock(&mu_);
  auto run_it = runs_.find(run_id);
  if (run_it == runs_.end()) {
    if (runs_.size() >= options_.max_runs) return changed;
    run_it = runs_.emplace(std::string(run_id), std::make_unique<RunState>()).first;
  }
  RunState& run = *run_it->second;
  for (const Histogram& histogram : histograms) {
    SeriesKey key{histogram.layer, static_cast<int>(histogram.kind), histogram.rank};
    auto it = run.series.find(key);
    if (it == run.series.end()) {
      if (run.series.size() >= options_.max_series_per_run) continue;
      it = run.series
               .emplace(std::move(key),
                        std::make_unique<SeriesDetector>(&options_.rules, histogram.kind))
               .first;
    }
    SeriesDetector& detector = *it->second;
    const bool was_changing = detector.changing();
    RunContext context;
    context.other_weights_changing = run.changing_weights - (was_changing ? 1 : 0) > 0;
    context.others_moved =
        run.most_moved == &detector ? run.second_moved_value : run.most_moved_value;
    detector.Observe(histogram, context, &changed);
    run.changing_weights += static_cast<int64_t>(detector.changing()) - was_changing;
    UpdateMostMoved(&run, &detector);
  }
  for (Alert& alert : changed) alert.run_id = std::string(run_id);
  return changed;
}

void AlertEngine::UpdateMostMoved(RunState* run, const SeriesDetector* detector) {
  const double moved = detector->reference_moved();
  const bool holder = detector == run->most_moved || detector == run->second_moved;
  const double held = detector == run->most_moved     ? run->most_moved_value
                      : detector == run->second_moved ? run->second_moved_value
                                                      : 0;
  if (holder && moved < held) {  // Its layer collapsed or died: find the two largest again.
    run->most_moved = run->second_moved = nullptr;
    run->most_moved_value = run->second_moved_value = 0;
    for (const auto& [key, series] : run->series) {
      const double value = series->reference_moved();
      if (value > run->most_moved_value) {
        run->second_moved = run->most_moved;
        run->second_moved_value = run->most_moved_value;
        run->most_moved = series.get();
        run->most_moved_value = value;
      } else if (value > run->second_moved_value) {
        run->second_moved = series.get();
        run->second_moved_value = value;
      }
    }
  } else if (detector == run->most_moved) {
    run->most_moved_value = moved;
  } else if (moved > run->most_moved_value) {
    run->second_moved = run->most_moved;
    run->second_moved_value = run->most_moved_value;
    run->most_moved = detector;
    run->most_moved_value = moved;
  } else if (detector == run->second_moved || moved > run->second_moved_value) {
    run->second_moved = detector;
    run->second_moved_value = moved;
  }
}

void AlertEngine::ForgetRun(absl::string_view run_id) {
  absl::MutexLock lock(&mu_);
  runs_.erase(run_id);
}

size_t AlertEngine::runs_watched() const {
  absl::MutexLock lock(&mu_);
  return runs_.size();
}

size_t AlertEngine::series_watched(absl::string_view run_id) const {
  absl::MutexLock lock(&mu_);
  auto it = runs_.find(run_id);
  return it == runs_.end() ? 0 : it->second->series.size();
}

}  // namespace actiscope::server
