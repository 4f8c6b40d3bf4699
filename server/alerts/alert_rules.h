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
//   nonfinite (any kind, critical): nonfinite > 0, flagged at the first such step. A frame with
//     non-finite values feeds no other rule (its moments are meaningless; the other conditions
//     keep their state), so a NaN run raises nonfinite alone.
//   saturated (activations): above / n above saturated_share for sustain_frames frames. Not on
//     weights: their layout is a display range, and weights that outgrow it are caught by
//     exploding when they grow geometrically (a healthy shortcut conv's weights leave [-0.5,
//     0.5) by 4.9 %).
//   exploding (activations, weights): the standard deviation of the finite values is above
//     growth_ratio x its baseline for fast_frames frames.
//   exploding_gradient (gradients): the same with gradient_growth_ratio.
//   vanishing_gradient (gradients): std below vanish_ratio x its baseline for sustain_frames.
//   frozen (activations): the layer's histogram has not moved from where it started while the
//     run's other layers did. A series' distance is the total-variation distance (half the L1
//     distance of the element shares, below and above included) between a running average of
//     its histograms (weight ema_weight per frame) and the mean of its first baseline_frames
//     histograms; its "moved" is the largest distance it has had so far. Frozen holds while the
//     largest moved of the run's other activation series is at least frozen_moved and this
//     series' moved is below frozen_ratio x that, for frozen_frames frames. A series whose
//     collapse, dead or nonfinite condition holds is left out of the others: a layer that died
//     moved far, but is no measure of how far a learning layer should move.
//   frozen (weights): sum and sum of squares of the series equal (to a relative 1e-12) those of
//     sustain_frames frames earlier while another weight series of the run changed over its
//     last sustain_frames frames: weights that get no update at all (requires_grad off, left out
//     of the optimizer).
//   The baseline of a series is the mean std of its first baseline_frames frames with n > 0; a
//   series whose baseline is 0 gets no ratio rule.
// An alert clears at the first frame where its measure is clear_margin past its threshold (an
// "above" rule below (1 - clear_margin) x its threshold, vanishing_gradient and frozen above
// their threshold / (1 - clear_margin)): its cleared flag set, last_step that frame's step. The
// same condition returning later is a new episode from that step. Nonfinite clears at the first
// frame with no nonfinite value, frozen weights at the first change.
//
// Every default can be changed for a server: actiscope-server --alert_rules (ParseAlertRules);
// --alerts=false turns the detectors off.
//
// Where the defaults come from: tests/bench/alert_validation.py trains the seed's three cases, a
// NaN run, a diverging run and ten healthy runs (ResNet-18 and the small CNN, seeds 1-5, width
// 16, 1000 steps, activations, gradients and weights) and prints each measure's extreme on the
// healthy runs; the figures quoted below are from its runs of 2026-12-06, with two and with
// one intra-op thread (issue 11's note has the table). No healthy run raised an alert.
//
// Thread-safety: plain values and pure functions.
#ifndef ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_
#define ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct AlertRules {
  // 85 % in the bin at zero. Healthy: at most 73 % (ResNet's conv5_x late in a run, post-ReLU:
  // ReLU zeroes about half of a centred input and the bin [0, 0.25) holds the small positives).
  // lr 1: conv5_x's share passes the healthy maximum by step 7-10 and holds above 85 % from
  // step 37 (in runs with one and with two intra-op threads). 90 % waits until step 55-73,
  // later than 50 steps after the picture turns; 80 % fires at 24-31 with 7 points of margin
  // over the healthy maximum instead of 12.
  double collapse_share = 0.85;
  // 95 % exact zeros. Healthy: at most 64 %; lr 1's conv5_x reaches it at step 239-326.
  double dead_share = 0.95;
  // 5 % of elements beyond the layout's hi. Healthy activations: at most 0.33 % (15x below);
  // lr 1's activations pass it from step 122-135 (8-29 % by step 240).
  double saturated_share = 0.05;
  // 10x the early std of an activation or weight series. Healthy: at most 1.9x (activations)
  // and 4.6x (the small CNN's conv3 weights at the end of its run); lr 1's weights reach 20-37x
  // and its activations 8-11x by step 240.
  double growth_ratio = 10;
  // 100x the early std of a gradient series. Healthy gradients swing much more than
  // activations (up to 23x, the small CNN's conv2 late in a run), so 100x keeps a 4x margin.
  double gradient_growth_ratio = 100;
  // 1e-3 x the early std of a gradient series. Healthy: down to 0.041x (ResNet's conv1 as the
  // one-cycle rate anneals), 40x above.
  double vanish_ratio = 1e-3;
  // Frozen activations: a series whose moved stays below 7 % of the most-moved other series'.
  // Held for frozen_frames frames, the discriminative case's conv1 and conv2_x (rate 1e-6) sit
  // at 1.5 %; no layer of a healthy run stays below 10.5 % that long, and the discriminative
  // run's conv3_x (rate 1e-2, learning behind two frozen stages) at 8.7 %. 7 % is 4.5x above
  // the frozen layers and below both.
  double frozen_ratio = 0.07;
  // ... once another series has moved at least this far (a total-variation distance of 0.05:
  // a twentieth of the elements changed bins). Before that no layer counts as frozen: early
  // in a run nothing has moved yet.
  double frozen_moved = 0.05;
  // Frames frozen must hold: early in a run a healthy layer that starts to move late sits
  // under 10 % for up to ~50 frames.
  int64_t frozen_frames = 100;
  // Weight of the newest histogram in a series' running average for the frozen distance:
  // about ten frames of memory, enough to average out one batch's sampling noise.
  double ema_weight = 0.1;
  // Hysteresis: a fired alert holds until its measure is this share of its threshold past it.
  // Without it, a measure hovering at its threshold starts an episode each time it crosses
  // back: lr 1's conv1 began "dead" at 460, 499, 558 and 629 (zeros at 94.6-95.4 %).
  double clear_margin = 0.1;
  // Frames a sustained condition must hold: 20 frames outlast a bad batch or a learning-rate
  // warm-up blip, and are still early in a run of thousands of steps.
  int64_t sustain_frames = 20;
  // Frames exploding must hold: divergence is fast, and a one-frame spike is a bad batch.
  int64_t fast_frames = 3;
  // Frames averaged for a series' baseline std and histogram: enough to average out batch
  // noise, still before any training effect is large.
  int64_t baseline_frames = 10;
};

// Sets the rules `text` names: a comma-separated list of NAME=VALUE, NAME one of AlertRules'
// fields above (collapse_share=0.8,frozen_frames=200); an empty text changes nothing.
// INVALID_ARGUMENT naming the pair and what is allowed for an unknown name, a value that is not a
// number, or one out of range (shares and ema_weight in (0, 1], ratios above 0, frame counts
// from 1 to 1,000,000). `rules` is unchanged on error. actiscope-server's --alert_rules.
absl::Status ParseAlertRules(absl::string_view text, AlertRules* rules);

// "collapse", "dead", "frozen", "exploding", "saturated", "nonfinite", "vanishing_gradient",
// "exploding_gradient"; "unknown" for any other value.
absl::string_view AlertTypeName(AlertType type);
// "info", "warning", "critical"; "unknown" for any other value.
absl::string_view AlertSeverityName(AlertSeverity severity);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_ALERTS_ALERT_RULES_H_
