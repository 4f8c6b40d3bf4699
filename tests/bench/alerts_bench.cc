// Cost of the collector's alert detectors at ingest (server/alerts/alert_engine.h): ns per
// histogram that AlertEngine::Observe adds, per kind, at 40 and at 1,024 bins, side by side in
// one run. The frames are built before the clock starts (synthetic ReLU / normal histograms of
// server/alerts/alert_test_frames.h, a drifting distribution per layer) and fed as the gRPC edge
// feeds them: one Observe per Push batch of 16 layers x 64 steps.
//   build/tests/bench/alerts_bench [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/alerts/alert_engine.h"
#include "server/alerts/alert_test_frames.h"

namespace {

using actiscope::server::AlertEngine;
using actiscope::server::AlertEngineOptions;
using actiscope::server::Histogram;
using actiscope::server::Kind;
using actiscope::server::testing::FrameSpec;
using actiscope::server::testing::MakeFrame;

constexpr int kLayers = 16;
constexpr int kSteps = 1024;
constexpr int kStepsPerPush = 64;

// Push batches of one kind: kLayers layers x kStepsPerPush steps each, `bins` bins.
std::vector<std::vector<Histogram>> MakeBatches(Kind kind, uint32_t bins) {
  std::vector<std::vector<Histogram>> batches(kSteps / kStepsPerPush);
  for (int step = 0; step < kSteps; ++step) {
    for (int layer = 0; layer < kLayers; ++layer) {
      FrameSpec spec;
      spec.relu = kind == Kind::kActivation;
      spec.mean = 0.5 + 0.001 * step + 0.1 * layer;
      spec.elements = 4000;
      Histogram h = MakeFrame(absl::StrCat("layer", layer), kind, step, spec);
      if (bins != h.layout.bins) {  // Rebin the same values' counts evenly into `bins` bins.
        std::vector<uint64_t> counts(bins, 0);
        for (size_t b = 0; b < h.values.counts.size(); ++b) {
          counts[b * bins / h.values.counts.size()] += h.values.counts[b];
        }
        h.layout.bins = bins;
        h.values.counts = std::move(counts);
      }
      batches[static_cast<size_t>(step / kStepsPerPush)].push_back(std::move(h));
    }
  }
  return batches;
}

// Median ns per histogram over `rounds` fresh engines fed every batch.
double NsPerHistogram(const std::vector<std::vector<Histogram>>& batches, int rounds) {
  std::vector<double> ns;
  for (int r = 0; r < rounds; ++r) {
    AlertEngine engine{AlertEngineOptions{}};
    size_t alerts = 0;
    const auto start = std::chrono::steady_clock::now();
    for (const std::vector<Histogram>& batch : batches)
      alerts += engine.Observe("run", batch).size();
    const auto end = std::chrono::steady_clock::now();
    if (alerts != 0) std::fprintf(stderr, "note: %zu alerts in a drifting series\n", alerts);
    ns.push_back(std::chrono::duration<double, std::nano>(end - start).count() /
                 (static_cast<double>(kSteps) * kLayers));
  }
  std::sort(ns.begin(), ns.end());
  return ns[ns.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  std::printf("AlertEngine::Observe, %d layers x %d steps, %d steps per batch, median of %d\n",
              kLayers, kSteps, kStepsPerPush, rounds);
  std::printf("%-12s %10s %10s\n", "kind", "40 bins", "1024 bins");
  for (Kind kind : {Kind::kActivation, Kind::kGradient, Kind::kWeight}) {
    const char* name = kind == Kind::kActivation ? "activation"
                       : kind == Kind::kGradient ? "gradient"
                                                 : "weight";
    std::printf("%-12s %7.0f ns %7.0f ns\n", name, NsPerHistogram(MakeBatches(kind, 40), rounds),
                NsPerHistogram(MakeBatches(kind, 1024), rounds));
  }
  std::printf("(the server's whole ingest: about 1,750 ns per 40-bin histogram, ingest_bench)\n");
  return 0;
}
