#include "common/bit_io.h"

#include <algorithm>
#include <random>
#include <vector>

#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(BitIoTest, RiceCodesRoundTripWithEscapes) {
  std::mt19937_64 rng(5);
  std::vector<std::pair<uint64_t, int>> values;
  for (int i = 0; i < 5000; ++i) {
    const int k = static_cast<int>(rng() % (kMaxRiceParameter + 1));
    const uint64_t z = i % 97 == 0 ? rng() : rng() % (uint64_t{1} << std::min(k + 3, 63));
    values.emplace_back(z, k);
  }
  std::string data;
  {
    BitWriter writer(&data);
    for (const auto& [z, k] : values) writer.PutRice(z, k);
  }
  BitReader reader(data);
  for (const auto& [z, k] : values) {
    uint64_t got;
    ASSERT_TRUE(reader.GetRice(k, &got));
    ASSERT_EQ(got, z);
  }
  EXPECT_EQ(reader.consumed(), data.size());
}

TEST(BitIoTest, TruncatedDataFailsInsteadOfReadingPastTheEnd) {
  std::string data;
  {
    BitWriter writer(&data);
    writer.PutRice(1000, 2);
  }
  data.resize(data.size() - 1);
  BitReader reader(data);
  uint64_t got;
  EXPECT_FALSE(reader.GetRice(2, &got));
}

}  // namespace
}  // namespace actiscope
