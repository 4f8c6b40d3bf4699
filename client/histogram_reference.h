// A deliberately simple reference histogram, by the definition: double comparisons against
// BinEdges(), one element at a time. The kernel tests (histogram_test_reference.h) and
// tests/fuzz/histogram_kernel_fuzzer compare every kernel path with it.
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_REFERENCE_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <vector>

#include "actiscope/client/histogram.h"
#include "common/bin_layout.h"

namespace actiscope::client {

inline HistogramResult ReferenceHistogram(const std::vector<float>& values,
                                          const BinLayout& layout) {
  const std::vector<double> edges = BinEdges(layout);
  HistogramResult r;
  r.counts.assign(layout.bins, 0);
  bool any_finite = false;
  for (float x : values) {
    ++r.elements;
    if (!std::isfinite(x)) {
      ++r.nonfinite;
      continue;
    }
    r.zeros += x == 0;
    r.min = any_finite ? std::min<double>(r.min, x) : x;
    r.max = any_finite ? std::max<double>(r.max, x) : x;
    any_finite = true;
    r.sum += x;
    r.sum_squares += static_cast<double>(x) * x;
    const double v = layout.scale == BinScale::kLinear ? x : std::abs(x);
    if (v < edges.front()) {
      ++r.below;
    } else if (v >= edges.back()) {
      ++r.above;
    } else {
      ++r.counts[std::upper_bound(edges.begin(), edges.end(), v) - edges.begin() - 1];
    }
  }
  return r;
}

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HISTOGRAM_REFERENCE_H_
