#include "common/histogram_merge.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

// The members AddHistogram needs, with float min/max as in the store.
struct Sums {
  std::vector<uint64_t> counts;
  uint64_t below = 0;
  uint64_t above = 0;
  uint64_t zeros = 0;
  uint64_t nonfinite = 0;
  uint64_t elements = 0;
  float min = 0;
  float max = 0;
  double sum = 0;
  double sum_squares = 0;
};

Sums Finite(std::vector<uint64_t> counts, float min, float max) {
  Sums s;
  s.counts = std::move(counts);
  for (uint64_t c : s.counts) s.elements += c;
  s.below = 1;
  s.zeros = 1;
  s.elements += 1;
  s.min = min;
  s.max = max;
  s.sum = 2;
  s.sum_squares = 3;
  return s;
}

TEST(HistogramMergeTest, CountsAndStatsAdd) {
  Sums into;
  AddHistogram(Finite({1, 2, 3}, -1, 4), &into);
  AddHistogram(Finite({4, 5, 6}, -2, 3), &into);
  EXPECT_THAT(into.counts, ::testing::ElementsAre(5, 7, 9));
  EXPECT_EQ(into.below, 2u);
  EXPECT_EQ(into.zeros, 2u);
  EXPECT_EQ(into.elements, 23u);
  EXPECT_EQ(into.min, -2);
  EXPECT_EQ(into.max, 4);
  EXPECT_EQ(into.sum, 4);
  EXPECT_EQ(into.sum_squares, 6);
}

TEST(HistogramMergeTest, MinAndMaxIgnoreHistogramsWithoutFiniteValues) {
  Sums nonfinite;
  nonfinite.counts = {0, 0};
  nonfinite.nonfinite = nonfinite.elements = 5;
  Sums into;
  AddHistogram(nonfinite, &into);
  EXPECT_FALSE(HasFiniteValues(into));
  EXPECT_EQ(into.min, 0);
  EXPECT_EQ(into.max, 0);
  AddHistogram(Finite({1, 1}, 2, 3), &into);
  EXPECT_EQ(into.min, 2);  // Not min(0, 2): the first sum had no finite value.
  EXPECT_EQ(into.max, 3);
  AddHistogram(nonfinite, &into);
  EXPECT_EQ(into.min, 2);
  EXPECT_EQ(into.max, 3);
  EXPECT_EQ(into.nonfinite, 10u);
}

}  // namespace
}  // namespace actiscope
