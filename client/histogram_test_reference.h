// The kernel tests' comparison of a kernel's result with the reference histogram
// (histogram_reference.h).
#ifndef ACTISCOPE_CLIENT_HISTOGRAM_TEST_REFERENCE_H_
#define ACTISCOPE_CLIENT_HISTOGRAM_TEST_REFERENCE_H_

#include <cmath>

#include "actiscope/client/histogram.h"
#include "client/histogram_reference.h"
#include "gtest/gtest.h"

namespace actiscope::client {

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
