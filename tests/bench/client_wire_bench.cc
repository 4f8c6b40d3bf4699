// Bytes on the wire per 40-bin histogram over a synthetic but realistic training run: five
// layers of ReLU activations (64x16x28x28) whose mean and spread drift step by step,
// histogrammed by the client's kernel. Prints, per batch size (steps per PushRequest):
//   raw      uint32 counts + the stats as fixed-width fields
//   gzip     the serialized batch with absolute counts as plain varints and run_id in every
//            request, deflated (what gRPC's gzip would send)
//   ours     what the reporter sends on one long-lived Push stream: the PushRequest with
//            Rice-coded counts in a zstd batch, run_id in the first request only
//   counts   of ours, the Frame.counts bytes alone (before zstd)
//   stats    of ours, what the stats add (ours minus the same without stats)
//   entropy  the order-0 empirical entropy of the count deltas (a floor for the counts alone)
// all including gRPC (5 B) and HTTP/2 DATA frame (9 B) framing per message.
//   build-wire/tests/bench/client_wire_bench [steps]
#include <ATen/ATen.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "actiscope/client/histogram.h"
#include "actiscope/v1/collector.pb.h"
#include "common/varint.h"
#include "proto/histogram_codec.h"
#include "proto/layout_convert.h"

namespace {

using actiscope::BinLayout;
using actiscope::client::HistogramResult;
namespace v1 = actiscope::v1;
namespace codec = actiscope::codec;

constexpr int kLayers = 5;
constexpr double kFramingBytes = 5 + 9;  // gRPC length prefix + HTTP/2 DATA frame header.

enum class Stats { kNone, kAll };

v1::Frame MakeFrame(int layer, int64_t step, const BinLayout& bins, const HistogramResult& r,
                    Stats stats) {
  v1::Frame frame;
  frame.set_layer("layer" + std::to_string(layer));
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  actiscope::ToWire(bins, frame.mutable_layout());
  if (stats == Stats::kAll) {
    v1::HistogramStats* s = frame.mutable_stats();
    s->set_elements(r.elements);
    s->set_below(r.below);
    s->set_above(r.above);
    s->set_zeros(r.zeros);
    s->set_nonfinite(r.nonfinite);
    s->set_min(static_cast<float>(r.min));
    s->set_max(static_cast<float>(r.max));
    s->set_sum(static_cast<float>(r.sum));
    s->set_sum_squares(static_cast<float>(r.sum_squares));
  }
  return frame;
}

size_t Deflated(const std::string& data) {
  uLongf size = compressBound(data.size());
  std::vector<Bytef> out(size);
  compress2(out.data(), &size, reinterpret_cast<const Bytef*>(data.data()), data.size(),
            Z_DEFAULT_COMPRESSION);
  return size;
}

constexpr char kRunId[] = "20261128-003529-926851a5a16b";

v1::PushRequest Request(const v1::FrameBatch& batch, uint64_t sequence, bool with_run_id) {
  v1::PushRequest request;
  if (with_run_id) request.set_run_id(kRunId);
  request.set_sequence(sequence);
  request.set_zstd_batch(codec::CompressBatch(batch));
  return request;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t steps = argc > 1 ? std::atoll(argv[1]) : 400;
  at::manual_seed(7);
  const BinLayout bins;  // 40 linear bins over [0, 10), as fastai's ActivationStats.
  std::printf("histogramming %lld steps x %d layers of 64x16x28x28 ReLU activations...\n",
              static_cast<long long>(steps), kLayers);
  std::vector<std::vector<HistogramResult>> results(steps);
  for (int64_t step = 0; step < steps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      const double progress = static_cast<double>(step) / steps;
      const double mean = 0.2 * layer * (1 - progress) + 0.1 * std::sin(step / 40.0);
      const double stddev = 0.5 + layer * 0.3 + 0.8 * progress;
      const at::Tensor x = at::relu(at::randn({64, 16, 28, 28}) * stddev + mean);
      results[step].push_back(*actiscope::client::ComputeHistogram(x, bins));
    }
  }

  // Entropy of the deltas against the same layer's previous step.
  std::map<int64_t, uint64_t> delta_counts;
  uint64_t deltas = 0;
  for (int64_t step = 1; step < steps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      for (uint32_t b = 0; b < bins.bins; ++b) {
        ++delta_counts[static_cast<int64_t>(results[step][layer].counts[b]) -
                       static_cast<int64_t>(results[step - 1][layer].counts[b])];
        ++deltas;
      }
    }
  }
  double bits = 0;
  for (const auto& [delta, count] : delta_counts) {
    const double p = static_cast<double>(count) / deltas;
    bits -= p * std::log2(p);
  }
  const double entropy_bytes = bits * bins.bins / 8;

  const double raw_bytes = 4.0 * bins.bins + 5 * 8 + 4 * 4;
  std::printf("\n%-14s %6s %6s %6s %7s %6s %8s   (bytes per 40-bin histogram)\n", "steps/request",
              "raw", "gzip", "ours", "counts", "stats", "entropy");
  for (int64_t per_request : {1, 4, 16}) {
    double gzip_total = 0, ours_total = 0, bare_total = 0, counts_total = 0;
    uint64_t sequence = 0;
    for (int64_t first = 0; first < steps; first += per_request) {
      codec::FrameBatchBuilder ours, bare;
      v1::FrameBatch absolute;
      for (int64_t step = first; step < std::min(steps, first + per_request); ++step) {
        for (int layer = 0; layer < kLayers; ++layer) {
          const HistogramResult& r = results[step][layer];
          ours.AddFrame(MakeFrame(layer, step, bins, r, Stats::kAll), r.counts);
          bare.AddFrame(MakeFrame(layer, step, bins, r, Stats::kNone), r.counts);
          v1::Frame frame = MakeFrame(layer, step, bins, r, Stats::kAll);
          for (uint64_t c : r.counts) actiscope::PutVarint(c, frame.mutable_counts());
          *absolute.add_frames() = std::move(frame);
        }
      }
      ++sequence;
      v1::PushRequest plain;
      plain.set_run_id(kRunId);
      plain.set_sequence(sequence);
      *plain.mutable_batch() = absolute;
      gzip_total += Deflated(plain.SerializeAsString()) + kFramingBytes;
      const v1::FrameBatch batch = ours.Take();
      for (const v1::Frame& frame : batch.frames()) counts_total += frame.counts().size();
      ours_total += Request(batch, sequence, sequence == 1).ByteSizeLong() + kFramingBytes;
      bare_total += Request(bare.Take(), sequence, sequence == 1).ByteSizeLong() + kFramingBytes;
    }
    const double histograms = static_cast<double>(steps * kLayers);
    std::printf("%-14lld %6.1f %6.1f %6.1f %7.1f %6.1f %8.1f\n",
                static_cast<long long>(per_request), raw_bytes, gzip_total / histograms,
                ours_total / histograms, counts_total / histograms,
                (ours_total - bare_total) / histograms, entropy_bytes);
  }
  std::printf("\ngoal: ours <= 48 B. entropy: counts only, order-0, of the step-to-step deltas\n");

  // The reporter's CPU per histogram for each zstd level, at the batch size of a real run
  // (the reporter flushes once a second: about 64 steps at 60 steps/s).
  constexpr int64_t kStepsPerBatch = 64;
  std::vector<v1::FrameBatch> batches;
  for (int64_t first = 0; first < steps; first += kStepsPerBatch) {
    codec::FrameBatchBuilder builder;
    for (int64_t step = first; step < std::min(steps, first + kStepsPerBatch); ++step) {
      for (int layer = 0; layer < kLayers; ++layer) {
        const HistogramResult& r = results[step][layer];
        builder.AddFrame(MakeFrame(layer, step, bins, r, Stats::kAll), r.counts);
      }
    }
    batches.push_back(builder.Take());
  }
  std::printf("\n%lld steps per request: zstd level, bytes and compression time per histogram\n",
              static_cast<long long>(kStepsPerBatch));
  std::printf("%6s %8s %10s\n", "level", "bytes", "us");
  for (int level : {1, 3, 6, 9, 12, 15, 19}) {
    double bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (int repeat = 0; repeat < 5; ++repeat) {
      for (const v1::FrameBatch& batch : batches) {
        bytes += codec::CompressBatch(batch, level).size() + kFramingBytes;
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double histograms = 5.0 * static_cast<double>(steps * kLayers);
    std::printf("%6d %8.1f %10.2f%s\n", level, bytes / histograms, 1e6 * seconds / histograms,
                level == codec::kBatchZstdLevel ? "  (CompressBatch's level)" : "");
  }
  return 0;
}
