// FaultFrames: the frames a fault client (actiscope-fault-client) produces for one rank of a run,
// and what the fault tests recompute to check, byte for byte, what the server stored.
//
// Every frame is a pure function of (seed, layers, bins, rank, layer, step): SyntheticRun
// (run_index 0) with one kind (activation) and a fixed run length (kRunLength steps), so that
// two processes reporting overlapping steps of the same run produce identical frames for them
// (a late spool's re-sends are then ignored, never conflicting). A run keeps one layout per
// layer across its ranks, so ranks share the synthetic model and differ in their data: rank r's
// step s is the synthetic step s + r * kRankStride. Frames carry their rank.
//
// Thread-safety: immutable after construction; const methods may be called concurrently.
//
// Example:
//   FaultFrames frames(FaultFramesOptions{/*seed=*/7, /*layers=*/2, /*bins=*/16, /*rank=*/1});
//   uint32_t n = frames.AddSteps(0, 4, &builder);      // 4 steps x 2 layers
//   loadgen::SyntheticHistogram expected = frames.Histogram(0, 3);
#ifndef ACTISCOPE_TESTS_FAULTS_FAULT_FRAMES_H_
#define ACTISCOPE_TESTS_FAULTS_FAULT_FRAMES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "proto/histogram_codec.h"
#include "tests/loadgen/synthetic_run.h"

namespace actiscope::faults {

struct FaultFramesOptions {
  uint64_t seed = 1;
  int layers = 2;
  uint32_t bins = 16;
  uint32_t rank = 0;
};

class FaultFrames {
 public:
  // The synthetic run's length: drifts play out over this many steps whatever range a client
  // reports, so a step's frame does not depend on which client produced it.
  static constexpr int64_t kRunLength = 1000;
  // Synthetic steps between ranks' data.
  static constexpr int64_t kRankStride = 1'000'000'000;

  explicit FaultFrames(const FaultFramesOptions& options);

  const FaultFramesOptions& options() const { return options_; }
  const std::vector<std::string>& layer_names() const { return run_.layer_names(); }

  // The counts and stats of `layer` (index into layer_names()) at `step`.
  loadgen::SyntheticHistogram Histogram(int layer, int64_t step) const;
  BinLayout Layout(int layer) const;

  // Adds the frames of steps [from, to), every layer, to `builder`; returns how many.
  uint32_t AddSteps(int64_t from, int64_t to, codec::FrameBatchBuilder* builder) const;

 private:
  static loadgen::SyntheticRunOptions RunOptions(const FaultFramesOptions& options);

  FaultFramesOptions options_;
  loadgen::SyntheticRun run_;
};

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_FAULT_FRAMES_H_
