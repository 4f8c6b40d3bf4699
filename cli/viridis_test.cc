#include "cli/viridis.h"

#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

TEST(ViridisTest, EndsAreDarkPurpleAndBrightYellow) {
  EXPECT_EQ(Viridis(0.0), (Rgb{68, 1, 84}));
  EXPECT_EQ(Viridis(1.0), (Rgb{253, 231, 37}));
  EXPECT_EQ(Viridis(-3.0), Viridis(0.0));
  EXPECT_EQ(Viridis(7.0), Viridis(1.0));
}

TEST(ViridisTest, GreenRisesMonotonically) {
  int previous = -1;
  for (int i = 0; i <= 100; ++i) {
    const Rgb c = Viridis(i / 100.0);
    EXPECT_GE(c.g, previous) << "at t=" << i / 100.0;
    previous = c.g;
  }
}

}  // namespace
}  // namespace actiscope::cli
