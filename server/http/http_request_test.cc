#include "server/http/http_request.h"

#include <string>

#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

TEST(HttpRequestTest, DecodesSegmentsOneByOne) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget("/api/runs/a%2Fb%20c/heatmap/");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->segments, (std::vector<std::string>{"api", "runs", "a/b c", "heatmap"}));
}

TEST(HttpRequestTest, DecodesQueryParametersWithPlusAsSpace) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget("/x?name=my+run%21&layer=conv1&empty=");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->Param("name"), "my run!");
  EXPECT_EQ(parsed->Param("layer"), "conv1");
  EXPECT_EQ(parsed->Param("empty"), std::nullopt);
  EXPECT_EQ(parsed->Param("absent"), std::nullopt);
}

TEST(HttpRequestTest, RejectsMalformedEscapesAndHugeTargets) {
  EXPECT_FALSE(ParseTarget("/api/runs/%zz").ok());
  EXPECT_FALSE(ParseTarget("/api/runs/%2").ok());
  EXPECT_FALSE(ParseTarget("/x?a=%").ok());
  EXPECT_FALSE(ParseTarget("/" + std::string(kMaxTargetBytes, 'a')).ok());
}

TEST(HttpRequestTest, IntParamValidatesNumbersAndRanges) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget("/x?from=12&to=abc&count=300");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed->IntParam("from", 0, 0, 100), 12);
  EXPECT_EQ(*parsed->IntParam("missing", 7, 0, 100), 7);
  absl::StatusOr<int64_t> to = parsed->IntParam("to", 0, 0, 100);
  EXPECT_EQ(to.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(to.status().message().find("to"), absl::string_view::npos);
  EXPECT_EQ(parsed->IntParam("count", 5, 1, 299).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::server
