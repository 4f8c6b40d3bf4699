// FaultFrames: SyntheticRun frames with a fixed run length, offset and stamped by rank.
#include "tests/faults/fault_frames.h"

#include <utility>

#include "proto/layout_convert.h"

namespace actiscope::faults {

loadgen::SyntheticRunOptions FaultFrames::RunOptions(const FaultFramesOptions& options) {
  loadgen::SyntheticRunOptions run;
  run.seed = options.seed;
  run.layers = options.layers;
  run.bins = options.bins;
  run.steps = kRunLength;
  run.kinds = {v1::KIND_ACTIVATION};
  return run;
}

FaultFrames::FaultFrames(const FaultFramesOptions& options)
    : options_(options), run_(RunOptions(options), 0) {}

loadgen::SyntheticHistogram FaultFrames::Histogram(int layer, int64_t step) const {
  return run_.Histogram(layer, v1::KIND_ACTIVATION, step + options_.rank * kRankStride);
}

BinLayout FaultFrames::Layout(int layer) const { return run_.Layout(layer, v1::KIND_ACTIVATION); }

uint32_t FaultFrames::AddSteps(int64_t from, int64_t to, codec::FrameBatchBuilder* builder) const {
  uint32_t frames = 0;
  for (int64_t step = from; step < to; ++step) {
    for (int layer = 0; layer < options_.layers; ++layer) {
      loadgen::SyntheticHistogram histogram = Histogram(layer, step);
      v1::Frame frame;
      frame.set_layer(layer_names()[layer]);
      frame.set_kind(v1::KIND_ACTIVATION);
      frame.set_step(step);
      frame.set_rank(options_.rank);
      ToWire(Layout(layer), frame.mutable_layout());
      *frame.mutable_stats() = std::move(histogram.stats);
      builder->AddFrame(std::move(frame), histogram.counts);
      ++frames;
    }
  }
  return frames;
}

}  // namespace actiscope::faults
