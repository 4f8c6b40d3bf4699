// Speed of the histogram codec (proto/histogram_codec.h) on realistic 40-bin histograms: a
// drifting bell curve over 800k values with multinomial-like noise, 5 layers, 16 steps per
// batch. Prints ns per histogram, side by side:
//   counts encode / decode   EncodeCounts / DecodeCounts alone (delta frames)
//   batch encode             FrameBatchBuilder + CompressBatch (what the reporter does)
//   batch decode             DecompressBatch + DecodeBatchCounts (what the collector does)
//   build-wire/tests/bench/codec_bench [repetitions]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "proto/histogram_codec.h"

namespace {

namespace v1 = actiscope::v1;
namespace codec = actiscope::codec;

constexpr int kLayers = 5;
constexpr int kSteps = 16;
constexpr int kBins = 40;
constexpr double kElements = 800000;

using Counts = std::vector<uint64_t>;

// counts[step][layer]: a normal distribution whose mean and spread drift, plus noise of about
// sqrt(count) per bin, over bins of width 0.25 on [-5, 5).
std::vector<std::vector<Counts>> MakeCounts() {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise;
  std::vector<std::vector<Counts>> out(kSteps, std::vector<Counts>(kLayers, Counts(kBins)));
  for (int step = 0; step < kSteps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      const double mean = 0.3 * layer - 0.6 + 0.01 * step;
      const double sigma = 0.8 + 0.1 * layer + 0.005 * step;
      for (int b = 0; b < kBins; ++b) {
        const double x0 = -5 + 0.25 * b, x1 = x0 + 0.25;
        const double p = 0.5 * (std::erf((x1 - mean) / (sigma * std::sqrt(2))) -
                                std::erf((x0 - mean) / (sigma * std::sqrt(2))));
        const double c = kElements * p;
        out[step][layer][b] = static_cast<uint64_t>(std::max(0.0, c + std::sqrt(c) * noise(rng)));
      }
    }
  }
  return out;
}

v1::Frame MakeFrame(int layer, int step, const Counts& counts) {
  v1::Frame frame;
  frame.set_layer("layer" + std::to_string(layer));
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(step);
  frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  frame.mutable_layout()->set_bins(kBins);
  frame.mutable_layout()->set_lo(-5);
  frame.mutable_layout()->set_hi(5);
  uint64_t total = 0;
  for (uint64_t c : counts) total += c;
  frame.mutable_stats()->set_elements(total);
  return frame;
}

template <typename F>
double NanosPerHistogram(int repetitions, F&& f) {
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repetitions; ++r) f();
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  return elapsed.count() / (static_cast<double>(repetitions) * kSteps * kLayers);
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::atoi(argv[1]) : 2000;
  const std::vector<std::vector<Counts>> counts = MakeCounts();

  std::vector<std::string> encoded(kSteps * kLayers);
  size_t sink = 0;
  const double encode_ns = NanosPerHistogram(repetitions, [&] {
    for (int step = 0; step < kSteps; ++step) {
      for (int layer = 0; layer < kLayers; ++layer) {
        std::string& out = encoded[step * kLayers + layer];
        out.clear();
        codec::EncodeCounts(counts[step][layer], step == 0 ? Counts() : counts[step - 1][layer],
                            &out);
      }
    }
  });
  Counts decoded;
  bool ok = true;
  const double decode_ns = NanosPerHistogram(repetitions, [&] {
    for (int step = 0; step < kSteps; ++step) {
      for (int layer = 0; layer < kLayers; ++layer) {
        ok &= codec::DecodeCounts(encoded[step * kLayers + layer],
                                  step == 0 ? Counts() : counts[step - 1][layer], kBins, &decoded)
                  .ok();
        sink += decoded[kBins / 2];
      }
    }
  });

  std::string compressed;
  const double batch_encode_ns = NanosPerHistogram(repetitions, [&] {
    codec::FrameBatchBuilder builder;
    for (int step = 0; step < kSteps; ++step) {
      for (int layer = 0; layer < kLayers; ++layer) {
        builder.AddFrame(MakeFrame(layer, step, counts[step][layer]), counts[step][layer]);
      }
    }
    compressed = codec::CompressBatch(builder.Take());
  });
  const double batch_decode_ns = NanosPerHistogram(repetitions, [&] {
    absl::StatusOr<v1::FrameBatch> batch = codec::DecompressBatch(compressed, 64 << 20);
    ok &= batch.ok();
    if (!batch.ok()) return;
    absl::StatusOr<std::vector<Counts>> all = codec::DecodeBatchCounts(*batch);
    ok &= all.ok();
    if (all.ok()) sink += (*all)[0][kBins / 2];
  });

  size_t counts_bytes = 0;
  for (const std::string& e : encoded) counts_bytes += e.size();
  std::printf("%d layers x %d steps of %d-bin histograms, %d repetitions%s\n", kLayers, kSteps,
              kBins, repetitions, ok ? "" : " (DECODE FAILED)");
  std::printf("%-16s %10s\n", "", "ns/histogram");
  std::printf("%-16s %10.1f\n", "counts encode", encode_ns);
  std::printf("%-16s %10.1f\n", "counts decode", decode_ns);
  std::printf("%-16s %10.1f\n", "batch encode", batch_encode_ns);
  std::printf("%-16s %10.1f\n", "batch decode", batch_decode_ns);
  std::printf("counts: %.1f B/histogram; batch: %.1f B/histogram (checksum %zu)\n",
              static_cast<double>(counts_bytes) / (kSteps * kLayers),
              static_cast<double>(compressed.size()) / (kSteps * kLayers), sink % 10);
  std::printf("goal: decode well under 500 ns per histogram\n");
  return ok ? 0 : 1;
}
