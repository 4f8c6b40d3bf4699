// SeriesDetector: the state of every rule of server/alerts/alert_rules.h for one series (run,
// rank, kind, layer), fed one histogram at a time by the AlertEngine (alert_engine.h) at ingest.
//
// Work per frame is O(bins) to read the histogram once and O(1) otherwise; state is a few
// counters per rule plus, for activation series, three vectors of at most kMaxShareBins + 2
// floats (the baseline, running-average and this frame's element shares of the frozen rule,
// 792 bytes at most) and, for weight series, a ring of sustain_frames + 1 (sum, sum of squares)
// pairs (336 bytes at the defaults).
//
// Frames are taken in arrival order; a frame whose step is not above the last step seen (a
// re-sent or late frame) is skipped, so a re-send never counts twice.
//
// Example:
//   AlertRules rules;
//   SeriesDetector detector(&rules, Kind::kActivation);
//   std::vector<Alert> changed;
//   detector.Observe(histogram, RunContext{}, &changed);
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

// What the frozen rules of one series need to know of the rest of its run (the engine keeps it).
struct RunContext {
  // Whether another weight series of the run changed over its last sustain_frames frames.
  bool other_weights_changing = false;
  // The largest reference_moved() of the run's other activation series.
  double others_moved = 0;
};

class SeriesDetector {
 public:
  // Bins of a histogram are folded into at most this many groups of adjacent bins for the
  // frozen distance, which bounds the state of a series with many bins.
  static constexpr size_t kMaxShareBins = 64;

  // A held alert is re-reported (its last_step moved forward) every this many frames, so the
  // store sees it still holding without one write per frame.
  static constexpr int64_t kRefreshFrames = 50;

  // `rules` must outlive the detector; `kind` is the series' kind and picks its rules.
  SeriesDetector(const AlertRules* rules, Kind kind);

  // Applies every rule to `histogram` (of this series) and appends to `changed` each alert that
  // began, cleared or is due for a refresh, with layer, kind, rank and no run_id (the engine
  // sets it). `run`: the rest of the run, for the frozen rules.
  void Observe(const Histogram& histogram, const RunContext& run, std::vector<Alert>* changed);

  // For a weight series: whether its moments changed over its last sustain_frames frames
  // (false until it has sustain_frames + 1 frames, so that a run's first frames flag nothing).
  // False for other kinds.
  bool changing() const { return changing_; }

  // For an activation series: the largest distance (alert_rules.h, frozen) its histogram has
  // had from its first baseline_frames histograms; 0 until those are seen and for other kinds.
  double moved() const { return moved_; }

  // moved(), or 0 while the series' collapse, dead or nonfinite condition holds: how far the
  // series counts as a layer that learns, the frozen rule's reference for the run's others (a
  // layer that died moved far, but is no measure of how far a learning layer should move).
  double reference_moved() const;

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
    bool holds;  // The condition, at its threshold: what starts an alert.
    double value;
    double threshold;
    int64_t needed_frames;
    bool still;  // The condition with clear_margin's slack: what keeps a fired alert held.
  };

  void Apply(const Check& check, const Histogram& histogram, std::vector<Alert>* changed);
  bool UpdateFrozenRing(const HistogramSums& sums);
  // Folds the histogram into the baseline or the running average and updates moved_.
  void UpdateMoved(const Histogram& histogram);

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
  // Activation series only: element shares (grouped bins, then below and above), summed over
  // the first baseline_frames frames and then their mean; and their running average.
  std::vector<float> baseline_shares_;
  std::vector<float> average_shares_;
  int64_t share_frames_ = 0;
  std::vector<float> scratch_shares_;  // This frame's shares (kept to reuse its memory).
  double moved_ = 0;
  std::array<Condition, 9> conditions_{};  // Indexed by AlertType.
};

// The one-sentence message of an alert of `type` on a series of `kind` whose value is `value`
// against `threshold`.
std::string AlertMessage(AlertType type, Kind kind, double value, double threshold);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_ALERTS_SERIES_DETECTOR_H_
