#include "cli/json_writer.h"

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

TEST(JsonWriterTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(JsonWriter::Quote("a\"b\\c\nd\te\x01"), "\"a\\\"b\\\\c\\nd\\te\\u0001\"");
}

TEST(JsonWriterTest, PassesUtf8Through) {
  EXPECT_EQ(JsonWriter::Quote("r\xC3\xA9seau"), "\"r\xC3\xA9seau\"");
}

TEST(JsonWriterTest, SeparatesNestedValuesWithCommas) {
  JsonWriter w;
  w.BeginObject();
  w.Key("a");
  w.BeginArray();
  w.Int(-1);
  w.Uint(18446744073709551615ULL);
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Key("b");
  w.Bool(true);
  w.Key("c");
  w.Null();
  w.EndObject();
  EXPECT_EQ(w.str(), "{\"a\":[-1,18446744073709551615,{}],\"b\":true,\"c\":null}");
}

TEST(JsonWriterTest, WritesShortestRoundTripDoublesAndNullForNonFinite) {
  JsonWriter w;
  w.BeginArray();
  w.Double(0.1);
  w.Double(1.0 / 3.0);
  w.Double(-2.5e-8);
  w.Double(std::numeric_limits<double>::quiet_NaN());
  w.Double(std::numeric_limits<double>::infinity());
  w.EndArray();
  EXPECT_EQ(w.str(), "[0.1,0.3333333333333333,-2.5e-08,null,null]");
}

}  // namespace
}  // namespace actiscope::cli
