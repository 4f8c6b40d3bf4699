// SeriesDetector: the state of every rule of server/alerts/alert_rules.h for one series (run,
// rank, kind, layer), fed one histogram at a time by the AlertEngine (alert_engine.h) at ingest.
//
// Work per frame is O(bins) to read the histogram once and O(1) otherwise; state is a few
// counters per rule plus, for weight series, a ring of sustain_frames + 1 (sum, sum of squares)
// pairs (336 bytes at the defaults).
//
// Frames are taken in arrival order; a frame whose step is not above the last step seen (a
// re-sent or late frame) is skipped, so a re-send never counts twice.
//
// Example:
//   AlertRules rules;
//   SeriesDetector detector(&rules, Kind::kActivation);
//   std::vector<Alert> changed;
//   detector.Observe(histogram, /*other_weights_changing=*/false, &changed);
//
// Thread-safety: none; the engine serializes calls.
#ifndef ACTISCOPE_SERVER_ALERTS_SERIES_DETECTOR_H_
#define ACTISCOPE_SERVER_ALERTS_SERIES_DETECTOR_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "server/alerts/alert_rules.h"
#include "server/store/store_types.h"

namespace actiscope::server {

class SeriesDetector {
 public:
  // A held alert is re-reported (its last_step moved forward) every this many frames, so the
  // store sees it still holding without one write per frame.
  static constexpr int64_t kRefreshFrames = 50;

  // `rules` must outlive the detector; `kind` is the series' kind and picks its rules.
  SeriesDetector(const AlertRules* rules, Kind kind);

  // Applies every rule to `histogram` (of this series) and appends to `changed` each alert that
  // began, cleared or is due for a refresh, with layer, kind, rank and no run_id (the engine
  // sets it). `other_weights_changing`: whether another weight series of the run changed over
  // its last sustain_frames frames (the frozen rule's condition).
  void Observe(const Histogram& histogram, bool other_weights_changing,
               std::vector<Alert>* changed);

  // For a weight series: whether its moments changed over its last sustain_frames frames
  // (false until it has sustain_frames + 1 frames, so that a run's first frames flag nothing).
  // False for other kinds.
  bool changing() const { return changing_; }

 private:
  // One rule's progress: consecutive frames its condition has held, and whether it fired.
  struct Condition {
    int64_t frames = 0;
    int64_t start_step = 0;
    int64_t frames_since_report = 0;
    double held_value = 0;  // The measure at the last frame the condition held.
    bool active = false;
  };
  struct Check {
    AlertType type;
    AlertSeverity severity;
    bool holds;
    double value;
    double threshold;
    int64_t needed_frames;
  };

  void Apply(const Check& check, const Histogram& histogram, std::vector<Alert>* changed);
  bool UpdateFrozenRing(const HistogramSums& sums);

  const AlertRules* const rules_;
  const Kind kind_;
  int64_t last_step_ = -1;
  // Baseline std: the sum of the first baseline_frames stds, then their mean.
  double baseline_sum_ = 0;
  int64_t baseline_count_ = 0;
  // Weight series only: (sum, sum of squares) of the last sustain_frames + 1 frames.
  std::vector<std::array<double, 2>> ring_;
  int64_t ring_next_ = 0;
  int64_t ring_filled_ = 0;
  bool changing_ = false;
  std::array<Condition, 9> conditions_{};  // Indexed by AlertType.
};

// The one-sentence message of an alert of `type` whose value is `value` against `threshold`.
std::string AlertMessage(AlertType type, double value, double threshold);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_ALERTS_SERIES_DETECTOR_H_
