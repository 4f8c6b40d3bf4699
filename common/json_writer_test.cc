#include "common/json_writer.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace actiscope {
namespace {

std::string Quoted(const std::string& text) {
  std::string out;
  AppendJsonString(text, &out);
  return out;
}

TEST(HttpJsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quoted("a\"b\\c\n\t\x01"), R"("a\"b\\c\n\t\u0001")");
}

TEST(HttpJsonTest, EscapesHtmlSignificantCharacters) {
  EXPECT_EQ(Quoted("<img src=x onerror=alert(1)>&'"),
            R"("\u003cimg src=x onerror=alert(1)\u003e\u0026\u0027")");
}

TEST(HttpJsonTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(Quoted("caf\xc3\xa9 \xe2\x9c\x93"), "\"caf\xc3\xa9 \xe2\x9c\x93\"");
  EXPECT_EQ(Quoted("a\xff"
                   "b\xc3"),
            R"("a\ufffdb\ufffd")");
  EXPECT_EQ(Quoted("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // A UTF-16 surrogate.
  EXPECT_EQ(Quoted("\xe2\x80\xa8"), R"("\u2028")");
}

TEST(HttpJsonTest, WritesNestedContainersWithCommas) {
  JsonWriter json;
  json.BeginObject();
  json.Key("a");
  json.BeginArray();
  json.Int(-1);
  json.Uint(2);
  json.BeginObject();
  json.EndObject();
  json.EndArray();
  json.Key("b");
  json.Bool(true);
  json.Key("c");
  json.Null();
  json.EndObject();
  EXPECT_EQ(json.text(), R"({"a":[-1,2,{}],"b":true,"c":null})");
}

TEST(HttpJsonTest, WritesShortestRoundTripDoublesAndNullForNonFinite) {
  JsonWriter json;
  json.BeginArray();
  json.Double(0.1);
  json.Double(2.0);
  json.Double(1e300);
  json.Double(std::nan(""));
  json.Double(std::numeric_limits<double>::infinity());
  json.EndArray();
  EXPECT_EQ(json.text(), "[0.1,2,1e+300,null,null]");
}

}  // namespace
}  // namespace actiscope
