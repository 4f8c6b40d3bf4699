// A deliberately simple reference histogram for the kernel tests: double comparisons against
// BinEdges(), one element at a time.
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_TEST_REFERENCE_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_TEST_REFERENCE_H_

#include <algorithm>
#include <cmath>
#include <vector>

#include "actiscope/client/histogram.h"
#include "common/bin_layout.h"
#include "gtest/gtest.h"

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

inline void ExpectSameHistogram(const HistogramResult& expected, const HistogramResult& actual) {
  EXPECT_EQ(expected.counts, actual.counts);
  EXPECT_EQ(expected.below, actual.below);
  EXPECT_EQ(expected.above, actual.above);
  EXPECT_EQ(expected.zeros, actual.zeros);
  EXPECT_EQ(expected.nonfinite, actual.nonfinite);
  EXPECT_EQ(expected.elements, actual.elements);
  EXPECT_EQ(expected.min, actual.min);
  EXPECT_EQ(expected.max, actual.max);
  const double tolerance = 1e-9 * (1 + expected.sum_squares);
  EXPECT_NEAR(expected.sum, actual.sum,
              1e-9 * (1 + std::sqrt(expected.sum_squares) * std::sqrt(expected.elements + 1.0)));
  EXPECT_NEAR(expected.sum_squares, actual.sum_squares, tolerance);
}

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_HISTOGRAM_TEST_REFERENCE_H_
