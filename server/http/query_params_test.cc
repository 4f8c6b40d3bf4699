#include "server/http/query_params.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

ParsedTarget Target(const std::string& target) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget(target);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : ParsedTarget{};
}

TEST(QueryParamsTest, HeatmapDefaultsAreTheQuerysDefaults) {
  absl::StatusOr<HeatmapQuery> query = ParseHeatmapParams("r1", Target("/x?layer=conv1"));
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->run_id, "r1");
  EXPECT_EQ(query->layer, "conv1");
  EXPECT_EQ(query->kind, Kind::kActivation);
  EXPECT_EQ(query->from_step, 0);
  EXPECT_EQ(query->to_step, -1);
  EXPECT_EQ(query->max_columns, HeatmapQuery::kDefaultColumns);
  EXPECT_FALSE(query->rank.has_value());
  query = ParseHeatmapParams("r1", Target("/x?layer=conv1&columns=0&rank=merged"));
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->max_columns, HeatmapQuery::kDefaultColumns);
  EXPECT_FALSE(query->rank.has_value());
}

TEST(QueryParamsTest, HeatmapParametersFillTheQuery) {
  absl::StatusOr<HeatmapQuery> query =
      ParseHeatmapParams("r1", Target("/x?layer=fc&kind=weight&from=5&to=9&columns=7&rank=0"));
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->kind, Kind::kWeight);
  EXPECT_EQ(query->from_step, 5);
  EXPECT_EQ(query->to_step, 9);
  EXPECT_EQ(query->max_columns, 7u);
  EXPECT_EQ(query->rank, 0u);
}

TEST(QueryParamsTest, ToZeroIsStepZeroAbsentOrNegativeIsTheLastStep) {
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=0"))->to_step, 0);
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=-1"))->to_step, -1);
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=-7"))->to_step, -1);
  EXPECT_EQ(ParseScalarParams("r", Target("/x?to=0"))->to_step, 0);
  EXPECT_EQ(ParseScalarParams("r", Target("/x"))->to_step, -1);
  EXPECT_THAT(ParseScalarParams("r", Target("/x?from=3&to=0")).status().message(),
              HasSubstr("scalars: the from step 3 is after the to step 0"));
}

TEST(QueryParamsTest, OutOfRangeValuesAreRefusedByTheQuerysValidation) {
  EXPECT_THAT(
      ParseHeatmapParams("r",
                         Target(absl::StrCat("/x?layer=a&columns=", HeatmapQuery::kMaxColumns + 1)))
          .status()
          .message(),
      HasSubstr(absl::StrCat("heatmap: columns must be in [1, ", HeatmapQuery::kMaxColumns, "]")));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&from=-5")).status().message(),
              HasSubstr("heatmap: the from step must be >= 0, got -5"));
  EXPECT_EQ(ParseScalarParams("r", Target(absl::StrCat("/x?points=", ScalarQuery::kMaxPoints + 1)))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseRunListParams(Target(absl::StrCat("/x?limit=", RunListQuery::kMaxLimit + 1)))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(QueryParamsTest, MalformedParametersNameTheParameter) {
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x")).status().message(),
              HasSubstr("parameter layer: required"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&kind=bias")).status().message(),
              HasSubstr("parameter kind"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&to=abc")).status().message(),
              HasSubstr("parameter to: not an integer"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&rank=-1")).status().message(),
              HasSubstr("parameter rank"));
  EXPECT_THAT(ParseScalarParams("r", Target("/x?points=many")).status().message(),
              HasSubstr("parameter points: not an integer"));
}

TEST(QueryParamsTest, ScalarAndRunListDefaults) {
  absl::StatusOr<ScalarQuery> scalars = ParseScalarParams("r", Target("/x?names=loss,,lr"));
  ASSERT_TRUE(scalars.ok()) << scalars.status();
  EXPECT_EQ(scalars->names, (std::vector<std::string>{"loss", "lr"}));
  EXPECT_EQ(scalars->max_points, ScalarQuery::kDefaultPoints);
  absl::StatusOr<RunListQuery> runs = ParseRunListParams(Target("/x?name=load"));
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(runs->name_contains, "load");
  EXPECT_EQ(runs->limit, RunListQuery::kDefaultLimit);
}

}  // namespace
}  // namespace actiscope::server
