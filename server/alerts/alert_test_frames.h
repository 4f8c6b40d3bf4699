// Synthetic histograms for the alert tests: values drawn from a seeded normal distribution,
// optionally through ReLU, binned by a layout as the client bins them.
#ifndef ACTISCOPE_SERVER_ALERTS_ALERT_TEST_FRAMES_H_
#define ACTISCOPE_SERVER_ALERTS_ALERT_TEST_FRAMES_H_

#include <cmath>
#include <cstdint>
#include <random>
#include <string>

#include "server/store/store_types.h"

namespace actiscope::server::testing {

struct FrameSpec {
  double mean = 1;
  double stddev = 1;
  bool relu = false;
  bool absolute = false;  // |x| instead of x.
  uint64_t elements = 2000;
  uint64_t nans = 0;  // Added as nonfinite elements.
};

// One histogram of `layer` at `step` over the default layout (40 bins over [0, 10)).
inline Histogram MakeFrame(const std::string& layer, Kind kind, int64_t step,
                           const FrameSpec& spec) {
  Histogram h;
  h.layer = layer;
  h.kind = kind;
  h.step = step;
  HistogramSums& s = h.values;
  s.counts.assign(h.layout.bins, 0);
  std::mt19937_64 rng(static_cast<uint64_t>(step) * 7919 + std::hash<std::string>{}(layer));
  std::normal_distribution<double> normal(spec.mean, spec.stddev);
  const double width = (h.layout.hi - h.layout.lo) / h.layout.bins;
  for (uint64_t i = 0; i < spec.elements; ++i) {
    double x = normal(rng);
    if (spec.relu) x = x > 0 ? x : 0;
    if (spec.absolute) x = std::abs(x);
    s.sum += x;
    s.sum_squares += x * x;
    if (x == 0) ++s.zeros;
    if (x < h.layout.lo) {
      ++s.below;
    } else if (x >= h.layout.hi) {
      ++s.above;
    } else {
      ++s.counts[static_cast<size_t>((x - h.layout.lo) / width)];
    }
  }
  s.elements = spec.elements + spec.nans;
  s.nonfinite = spec.nans;
  return h;
}

}  // namespace actiscope::server::testing

#endif  // ACTISCOPE_SERVER_ALERTS_ALERT_TEST_FRAMES_H_
