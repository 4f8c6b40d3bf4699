#include "common/varint.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(VarintTest, RoundTripsEdgeValuesInOrder) {
  const uint64_t values[] = {
      0, 1, 127, 128, 300, uint64_t{1} << 35, std::numeric_limits<uint64_t>::max()};
  std::string data;
  for (uint64_t v : values) PutVarint(v, &data);
  size_t pos = 0;
  for (uint64_t want : values) {
    uint64_t got = 0;
    ASSERT_TRUE(GetVarint(data, &pos, &got));
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(pos, data.size());
}

TEST(VarintTest, SmallValuesTakeOneByteAndMaxTakesTen) {
  std::string one;
  PutVarint(127, &one);
  EXPECT_EQ(one.size(), 1u);
  std::string ten;
  PutVarint(std::numeric_limits<uint64_t>::max(), &ten);
  EXPECT_EQ(ten.size(), 10u);
}

TEST(VarintTest, TruncatedAndOverlongInputIsRejected) {
  std::string data;
  PutVarint(uint64_t{1} << 40, &data);
  data.pop_back();
  size_t pos = 0;
  uint64_t v = 0;
  EXPECT_FALSE(GetVarint(data, &pos, &v));
  const std::string overlong(11, '\x80');
  pos = 0;
  EXPECT_FALSE(GetVarint(overlong, &pos, &v));
}

TEST(VarintTest, ZigZagKeepsSmallMagnitudesSmall) {
  EXPECT_EQ(ZigZag(0), 0u);
  EXPECT_EQ(ZigZag(-1), 1u);
  EXPECT_EQ(ZigZag(1), 2u);
  EXPECT_EQ(ZigZag(-2), 3u);
  for (int64_t v : {int64_t{0}, int64_t{-5}, int64_t{12345}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    EXPECT_EQ(UnZigZag(ZigZag(v)), v);
  }
}

}  // namespace
}  // namespace actiscope
