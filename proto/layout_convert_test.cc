#include "proto/layout_convert.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(LayoutConvertTest, RoundTripsEveryScale) {
  for (const BinLayout& layout : {BinLayout{BinScale::kLinear, 8, -1, 1}, LogMagnitudeBins()}) {
    v1::BinLayout wire;
    ToWire(layout, &wire);
    EXPECT_EQ(wire.bins(), layout.bins);
    EXPECT_EQ(wire.lo(), layout.lo);
    EXPECT_EQ(wire.hi(), layout.hi);
    EXPECT_EQ(FromWire(wire), layout);
  }
  v1::BinLayout wire;
  ToWire({BinScale::kLogMagnitude, 3, 0.5, 2}, &wire);
  EXPECT_EQ(wire.scale(), v1::BIN_SCALE_LOG_MAGNITUDE);
  ToWire({BinScale::kLinear, 3, 0.5, 2}, &wire);
  EXPECT_EQ(wire.scale(), v1::BIN_SCALE_LINEAR);
}

TEST(LayoutConvertTest, WireLayoutRoundTripsByteForByte) {
  v1::BinLayout in;
  in.set_scale(v1::BIN_SCALE_LOG_MAGNITUDE);
  in.set_bins(40);
  in.set_lo(1e-6);
  in.set_hi(10);
  v1::BinLayout out;
  ToWire(FromWire(in), &out);
  EXPECT_EQ(out.SerializeAsString(), in.SerializeAsString());
}

TEST(LayoutConvertTest, UnknownWireScaleStaysUnknownAndIsRejected) {
  for (int scale : {0, 7}) {
    v1::BinLayout wire;
    wire.set_scale(static_cast<v1::BinScale>(scale));
    wire.set_bins(4);
    wire.set_lo(0);
    wire.set_hi(1);
    const absl::Status status = ValidateLayout(FromWire(wire));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(status.message(), ::testing::HasSubstr(absl::StrCat("unknown scale ", scale)));
  }
}

}  // namespace
}  // namespace actiscope
