#include "proto/bin_layout.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

v1::BinLayout Layout(v1::BinScale scale, uint32_t bins, double lo, double hi) {
  v1::BinLayout layout;
  layout.set_scale(scale);
  layout.set_bins(bins);
  layout.set_lo(lo);
  layout.set_hi(hi);
  return layout;
}

TEST(BinLayoutTest, AcceptsValidLayouts) {
  EXPECT_TRUE(ValidateLayout(Layout(v1::BIN_SCALE_LINEAR, 40, 0, 10)).ok());
  EXPECT_TRUE(ValidateLayout(Layout(v1::BIN_SCALE_LOG_MAGNITUDE, 1024, 1e-8, 1e4)).ok());
}

TEST(BinLayoutTest, RejectsBadLayoutsWithTheOffendingValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(ValidateLayout(Layout(v1::BIN_SCALE_LINEAR, 1025, 0, 1)).message(),
              ::testing::HasSubstr("1025"));
  EXPECT_FALSE(ValidateLayout(Layout(v1::BIN_SCALE_LINEAR, 0, 0, 1)).ok());
  EXPECT_THAT(ValidateLayout(Layout(v1::BIN_SCALE_LINEAR, 4, 1, 1)).message(),
              ::testing::HasSubstr("lo must be below hi"));
  EXPECT_THAT(ValidateLayout(Layout(v1::BIN_SCALE_LINEAR, 4, nan, 1)).message(),
              ::testing::HasSubstr("finite"));
  EXPECT_FALSE(ValidateLayout(Layout(v1::BIN_SCALE_LOG_MAGNITUDE, 4, 0, 1)).ok());
  EXPECT_FALSE(ValidateLayout(Layout(v1::BIN_SCALE_UNSPECIFIED, 4, 0, 1)).ok());
}

TEST(BinLayoutTest, EdgesAreLinearOrGeometric) {
  auto linear = BinEdges(Layout(v1::BIN_SCALE_LINEAR, 4, 0, 10));
  EXPECT_THAT(linear, ::testing::ElementsAre(0, 2.5, 5, 7.5, 10));
  auto log = BinEdges(Layout(v1::BIN_SCALE_LOG_MAGNITUDE, 3, 1e-2, 1e1));
  ASSERT_EQ(log.size(), 4u);
  EXPECT_NEAR(log[1], 1e-1, 1e-12);
  EXPECT_NEAR(log[2], 1.0, 1e-12);
  EXPECT_EQ(log[3], 10.0);
}

}  // namespace
}  // namespace actiscope
