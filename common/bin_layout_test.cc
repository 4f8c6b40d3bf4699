#include "common/bin_layout.h"

#include <cmath>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(BinLayoutTest, AcceptsValidLayouts) {
  EXPECT_TRUE(ValidateLayout({BinScale::kLinear, 40, 0, 10}).ok());
  EXPECT_TRUE(ValidateLayout({BinScale::kLogMagnitude, 1024, 1e-8, 1e4}).ok());
  EXPECT_TRUE(ValidateLayout(BinLayout{}).ok());
  EXPECT_TRUE(ValidateLayout(LogMagnitudeBins()).ok());
}

TEST(BinLayoutTest, RejectsBadLayoutsWithTheOffendingValue) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THAT(ValidateLayout({BinScale::kLinear, 1025, 0, 1}).message(),
              ::testing::HasSubstr("1025"));
  EXPECT_FALSE(ValidateLayout({BinScale::kLinear, 0, 0, 1}).ok());
  EXPECT_THAT(ValidateLayout({BinScale::kLinear, 4, 1, 1}).message(),
              ::testing::HasSubstr("lo must be below hi"));
  EXPECT_THAT(ValidateLayout({BinScale::kLinear, 4, nan, 1}).message(),
              ::testing::HasSubstr("finite"));
  EXPECT_FALSE(ValidateLayout({BinScale::kLogMagnitude, 4, 0, 1}).ok());
  const absl::Status unknown = ValidateLayout({static_cast<BinScale>(0), 4, 0, 1});
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unknown.message(), ::testing::HasSubstr("unknown scale 0"));
}

TEST(BinLayoutTest, RejectsRangesWhoseEdgesWouldOverflow) {
  // Found by histogram_kernel_fuzzer: BinEdges made inf and NaN edges from these.
  EXPECT_THAT(ValidateLayout({BinScale::kLinear, 40, -1e308, 1e308}).message(),
              ::testing::HasSubstr("hi - lo must be a finite double"));
  EXPECT_THAT(ValidateLayout({BinScale::kLogMagnitude, 54, 1.36e-312, 3.9}).message(),
              ::testing::HasSubstr("hi / lo must be a finite double"));
  // The widest ranges that do not overflow stay valid, and their edges are finite.
  for (const BinLayout& layout : {BinLayout{BinScale::kLinear, 40, -8e307, 8e307},
                                  BinLayout{BinScale::kLogMagnitude, 54, 1e-300, 1e7}}) {
    ASSERT_TRUE(ValidateLayout(layout).ok());
    for (double edge : BinEdges(layout)) EXPECT_TRUE(std::isfinite(edge)) << edge;
  }
}

TEST(BinLayoutTest, EdgesAreLinearOrGeometric) {
  auto linear = BinEdges({BinScale::kLinear, 4, 0, 10});
  EXPECT_THAT(linear, ::testing::ElementsAre(0, 2.5, 5, 7.5, 10));
  auto log = BinEdges({BinScale::kLogMagnitude, 3, 1e-2, 1e1});
  ASSERT_EQ(log.size(), 4u);
  EXPECT_NEAR(log[1], 1e-1, 1e-12);
  EXPECT_NEAR(log[2], 1.0, 1e-12);
  EXPECT_EQ(log[3], 10.0);
}

TEST(BinLayoutTest, EqualityComparesEveryField) {
  const BinLayout a{BinScale::kLinear, 8, -1, 1};
  EXPECT_EQ(a, (BinLayout{BinScale::kLinear, 8, -1, 1}));
  EXPECT_NE(a, (BinLayout{BinScale::kLogMagnitude, 8, -1, 1}));
  EXPECT_NE(a, (BinLayout{BinScale::kLinear, 9, -1, 1}));
  EXPECT_NE(a, (BinLayout{BinScale::kLinear, 8, -2, 1}));
  EXPECT_NE(a, (BinLayout{BinScale::kLinear, 8, -1, 2}));
}

}  // namespace
}  // namespace actiscope
