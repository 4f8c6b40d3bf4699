// The rules by which actiscope flags a series (run, rank, kind, layer) as unhealthy, with their
// defaults, and the names the edges give alert types and severities. The detectors of one
// series (server/alerts/series_detector.h) apply them to each histogram at ingest; the engine
// (server/alerts/alert_engine.h) joins series of a run for the frozen rule.
//
// Rules (n = elements, each ratio measured on one histogram, "k frames" = that many consecutive
// frames of the series in arrival order):
//   collapse (activations): the share of elements in the bin holding 0 of a linear layout (the
//     lowest bin of one starting at 0), or below lo (|x| < lo) of a log-magnitude layout, is
//     above collapse_share for sustain_frames frames. Not checked when 0 is outside a linear
//     layout's range.
//   dead (activations): zeros / n above dead_share for sustain_frames frames. A dead layer's
//     zeros also sit in the bin at zero, so collapse fires with it.
//   nonfinite (any kind, critical): nonfinite > 0, flagged at the first such step.
//   saturated (activations, weights): above / n above saturated_share for sustain_frames frames.
//   exploding (activations, weights): the standard deviation of the finite values is above
//     growth_ratio x its baseline for fast_frames frames.
//   exploding_gradient (gradients): as exploding, on a gradient series.
//   vanishing_gradient (gradients): std below vanish_ratio x its baseline for sustain_frames.
//   frozen (weights): sum and sum of squares of the series equal (to a relative 1e-12) those of
//     sustain_frames frames earlier while another weight series of the run changed over its
//     last sustain_frames frames. Weights moments are used, not the histogram's L1 distance:
//     with 40 bins a healthy layer at a small learning rate moves no element across a bin edge
//     in 20 steps, while any update at all changes its sum of squares.
//   The baseline of a series is the mean std of its first baseline_frames frames with n > 0; a
//   series whose baseline is 0 gets no ratio rule.
// An alert clears at the first frame where its condition no longer holds (its cleared flag set,
// last_step that frame's step); the same condition returning later starts it again from that
// step. Nonfinite clears at the first frame with no nonfinite value.
//
// Not done here (issue 11's other slice): badges and markers on the web page, the trainer
// printing alerts and --inject_nan_at, and the validation of these defaults over real runs.
//
// Thread-safety: plain values and pure functions.
#ifndef ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_
#define ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_

#include <cstdint>

#include "absl/strings/string_view.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct AlertRules {
  // 90 %: ResNet's conv5_x at lr=1 sits 96-100 % in the lowest bin, while a healthy post-ReLU
  // layer has about half its elements there (ReLU zeroes half of a centred input); 0.9 leaves
  // room for sparse-but-alive layers.
  double collapse_share = 0.9;
  // 95 % exact zeros: a ReLU layer is about 50 % zeros when healthy; 95 % means nearly every unit
  // is off for every input of the batch.
  double dead_share = 0.95;
  // 5 % of elements beyond the layout's hi: the layout is chosen to hold the healthy
  // distribution, so a twentieth of it outside is no longer a tail.
  double saturated_share = 0.05;
  // 100x the early std: SGD's early steps move std by a few x at most; two orders of magnitude
  // is the geometric growth of divergence, not drift.
  double growth_ratio = 100;
  // 1e-3 x the early std: gradients shrink by an order of magnitude or so as loss falls;
  // a thousandfold is a layer that stopped learning.
  double vanish_ratio = 1e-3;
  // Frames a sustained condition must hold: 20 frames outlast a bad batch or a learning-rate
  // warm-up blip, and are still early in a run of thousands of steps.
  int64_t sustain_frames = 20;
  // Frames exploding must hold: divergence is fast, and a one-frame spike is a bad batch.
  int64_t fast_frames = 3;
  // Frames averaged for a series' baseline std: enough to average out batch noise, still
  // before any training effect is large.
  int64_t baseline_frames = 10;
};

// "collapse", "dead", "frozen", "exploding", "saturated", "nonfinite", "vanishing_gradient",
// "exploding_gradient"; "unknown" for any other value.
absl::string_view AlertTypeName(AlertType type);
// "info", "warning", "critical"; "unknown" for any other value.
absl::string_view AlertSeverityName(AlertSeverity severity);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_
