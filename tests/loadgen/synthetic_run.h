// SyntheticRun: deterministic, realistic-looking histogram data for one training run, used by
// actiscope-loadgen, the ingest benchmark and the integration test (which recomputes what was
// sent to check what the server returns).
//
// Each layer has a fixed bin layout and a normal distribution whose mean and spread drift slowly
// over the steps; some layers have a share of exact zeros (dead ReLUs). The pattern kDrift (the
// default) adds trouble as it comes: every third layer narrows toward a tenth of its spread and
// the last layer starts to produce a few NaN/Inf values near the end of the run. kHealthy drops
// both and moves every layer's mean by at least 0.75 of its spread over the run (a layer that
// learns), so that the server's detectors (server/alerts/alert_rules.h) flag nothing; on either
// pattern, collapse_step and nonfinite_step inject the two alerts a test wants at known steps.
// Counts are the expected counts of `elements` values (50k-800k per layer, like
// batch x channels x H x W), rounded so that the frame is consistent:
// sum(counts) + below + above + nonfinite == elements.
//
// Every histogram is a pure function of (seed, run_index, layer, kind, step), so any frame can be
// recomputed independently and in any order.
//
// Thread-safety: a SyntheticRun is immutable after construction; all methods are const and may
// be called concurrently.
#ifndef ACTISCOPE_TESTS_LOADGEN_SYNTHETIC_RUN_H_
#define ACTISCOPE_TESTS_LOADGEN_SYNTHETIC_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "actiscope/v1/histogram.pb.h"
#include "common/bin_layout.h"
#include "proto/histogram_codec.h"

namespace actiscope::loadgen {

// What goes wrong in a synthetic run on its own (see the file comment).
enum class SyntheticPattern {
  kDrift,    // Every third layer narrows; the last layer turns non-finite in the last tenth.
  kHealthy,  // Nothing: no layer narrows or turns non-finite.
};

struct SyntheticRunOptions {
  uint64_t seed = 1;
  SyntheticPattern pattern = SyntheticPattern::kDrift;
  int layers = 5;
  uint32_t bins = 40;
  // The length of the run: drifts and collapses play out over this many steps.
  int64_t steps = 1000;
  std::vector<v1::Kind> kinds = {v1::KIND_ACTIVATION};
  // Step-to-step jitter of each histogram's mean and spread, as a fraction of the spread (about
  // what batch sampling noise does to real activations at 2%). Smaller values give smoother,
  // more compressible counts.
  double noise = 0.02;
  // Layer names, one per layer; empty means LayerNames(layers).
  std::vector<std::string> layer_names;
  // From this step on, the activations of layer 1 (the second layer; the only one when layers
  // is 1) collapse: every non-zero value lands in the bin holding 0, so the server's collapse
  // alert starts at this step and fires once it held 20 frames. Negative: never.
  int64_t collapse_step = -1;
  // At this step only, every kind of the last layer reports a few (1-8) non-finite values: a
  // nonfinite alert starting at this step, cleared at the next. Negative: never.
  int64_t nonfinite_step = -1;
};

// One generated histogram: the frame's counts and stats.
struct SyntheticHistogram {
  std::vector<uint64_t> counts;
  v1::HistogramStats stats;
};

class SyntheticRun {
 public:
  // `run_index` tells apart the runs of one seed (the loadgen's client number).
  SyntheticRun(const SyntheticRunOptions& options, int run_index);

  // conv1, conv2_x, conv3_x, conv4_x, conv5_x when layers <= 5, else layer_0 ... layer_{N-1}.
  static std::vector<std::string> LayerNames(int layers);

  const SyntheticRunOptions& options() const { return options_; }
  const std::vector<std::string>& layer_names() const { return layer_names_; }

  // The layers (indices into layer_names()) that collapse_step and nonfinite_step act on.
  int collapse_layer() const { return options_.layers > 1 ? 1 : 0; }
  int nonfinite_layer() const { return options_.layers - 1; }

  // The fixed bin layout of `layer` (index into layer_names()) for `kind`.
  BinLayout Layout(int layer, v1::Kind kind) const;

  // The histogram of `layer` and `kind` at `step` (>= 0).
  SyntheticHistogram Histogram(int layer, v1::Kind kind, int64_t step) const;

  // The scalars of `step`: "loss" and "lr".
  std::vector<v1::Scalar> Scalars(int64_t step) const;

  // Adds the frames (every layer and kind, rank 0) and scalars of steps [from, to) to `builder`.
  void AddSteps(int64_t from, int64_t to, codec::FrameBatchBuilder* builder) const;

  // Histograms per step: layers x kinds.
  int64_t histograms_per_step() const;

 private:
  struct LayerModel {
    uint64_t elements;     // Values per histogram.
    double mean0, std0;    // The distribution at step 0, in units of the kind's scale.
    double mean_drift;     // Mean change over the whole run, in units of std0.
    double std_end;        // std at the end of the run, as a multiple of std0.
    double zero_fraction;  // Share of exact zeros among finite values.
    bool goes_nonfinite;   // Produces a few NaN/Inf values in the last tenth of the run.
  };

  double KindScale(v1::Kind kind) const;

  SyntheticRunOptions options_;
  int run_index_;
  std::vector<std::string> layer_names_;
  std::vector<LayerModel> models_;
};

}  // namespace actiscope::loadgen

#endif  // ACTISCOPE_TESTS_LOADGEN_SYNTHETIC_RUN_H_
