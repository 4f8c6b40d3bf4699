#include "server/http/query_params.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

constexpr QueryLimits kLimits;  // The defaults.

ParsedTarget Target(const std::string& target) {
  absl::StatusOr<ParsedTarget> parsed = ParseTarget(target);
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *parsed : ParsedTarget{};
}

TEST(QueryParamsTest, HeatmapDefaultsAreTheQuerysDefaults) {
  absl::StatusOr<HeatmapQuery> query = ParseHeatmapParams("r1", Target("/x?layer=conv1"), kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->run_id, "r1");
  EXPECT_EQ(query->layer, "conv1");
  EXPECT_EQ(query->kind, Kind::kActivation);
  EXPECT_EQ(query->from_step, 0);
  EXPECT_EQ(query->to_step, -1);
  EXPECT_EQ(query->max_columns, HeatmapQuery::kDefaultColumns);
  EXPECT_FALSE(query->rank.has_value());
  query = ParseHeatmapParams("r1", Target("/x?layer=conv1&columns=0&rank=merged"), kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->max_columns, HeatmapQuery::kDefaultColumns);
  EXPECT_FALSE(query->rank.has_value());
}

TEST(QueryParamsTest, HeatmapParametersFillTheQuery) {
  absl::StatusOr<HeatmapQuery> query = ParseHeatmapParams(
      "r1", Target("/x?layer=fc&kind=weight&from=5&to=9&columns=7&rank=0"), kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->kind, Kind::kWeight);
  EXPECT_EQ(query->from_step, 5);
  EXPECT_EQ(query->to_step, 9);
  EXPECT_EQ(query->max_columns, 7u);
  EXPECT_EQ(query->rank, 0u);
}

TEST(QueryParamsTest, ToZeroIsStepZeroAbsentOrNegativeIsTheLastStep) {
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=0"), kLimits)->to_step, 0);
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=-1"), kLimits)->to_step, -1);
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a&to=-7"), kLimits)->to_step, -1);
  EXPECT_EQ(ParseScalarParams("r", Target("/x?to=0"), kLimits)->to_step, 0);
  EXPECT_EQ(ParseScalarParams("r", Target("/x"), kLimits)->to_step, -1);
  EXPECT_THAT(ParseScalarParams("r", Target("/x?from=3&to=0"), kLimits).status().message(),
              HasSubstr("scalars: the from step 3 is after the to step 0"));
}

TEST(QueryParamsTest, OutOfRangeValuesAreRefusedByTheQuerysValidation) {
  EXPECT_THAT(ParseHeatmapParams(
                  "r", Target(absl::StrCat("/x?layer=a&columns=", kLimits.max_heatmap_columns + 1)),
                  kLimits)
                  .status()
                  .message(),
              HasSubstr(absl::StrCat("heatmap: columns must be in [1, --max_heatmap_columns=",
                                     kLimits.max_heatmap_columns, "]")));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&from=-5"), kLimits).status().message(),
              HasSubstr("heatmap: the from step must be >= 0, got -5"));
  EXPECT_EQ(ParseScalarParams(
                "r", Target(absl::StrCat("/x?points=", kLimits.max_scalar_points + 1)), kLimits)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      ParseRunListParams(Target(absl::StrCat("/x?limit=", kLimits.max_runs_listed + 1)), kLimits)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(QueryParamsTest, MalformedParametersNameTheParameter) {
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x"), kLimits).status().message(),
              HasSubstr("parameter layer: required"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&kind=bias"), kLimits).status().message(),
              HasSubstr("parameter kind"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&to=abc"), kLimits).status().message(),
              HasSubstr("parameter to: not an integer"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&rank=-1"), kLimits).status().message(),
              HasSubstr("parameter rank"));
  EXPECT_THAT(ParseScalarParams("r", Target("/x?points=many"), kLimits).status().message(),
              HasSubstr("parameter points: not an integer"));
}

TEST(QueryParamsTest, ScalarAndRunListDefaults) {
  absl::StatusOr<ScalarQuery> scalars =
      ParseScalarParams("r", Target("/x?names=loss,,lr"), kLimits);
  ASSERT_TRUE(scalars.ok()) << scalars.status();
  EXPECT_EQ(scalars->names, (std::vector<std::string>{"loss", "lr"}));
  EXPECT_EQ(scalars->max_points, ScalarQuery::kDefaultPoints);
  absl::StatusOr<RunListQuery> runs = ParseRunListParams(Target("/x?name=load"), kLimits);
  ASSERT_TRUE(runs.ok()) << runs.status();
  EXPECT_EQ(runs->name_contains, "load");
  EXPECT_EQ(runs->limit, RunListQuery::kDefaultLimit);
}

TEST(QueryParamsTest, ConfiguredLimitsBoundTheParametersAndClampTheirDefaults) {
  QueryLimits small;
  small.max_runs_listed = 5;
  small.max_heatmap_columns = 100;
  small.max_scalar_points = 50;
  EXPECT_EQ(ParseRunListParams(Target("/x"), small)->limit, 5u);
  EXPECT_EQ(ParseHeatmapParams("r", Target("/x?layer=a"), small)->max_columns, 100u);
  EXPECT_EQ(ParseScalarParams("r", Target("/x"), small)->max_points, 50u);
  EXPECT_THAT(ParseRunListParams(Target("/x?limit=6"), small).status().message(),
              HasSubstr("runs: limit must be in [1, --max_runs_listed=5], got 6"));
  EXPECT_THAT(ParseHeatmapParams("r", Target("/x?layer=a&columns=101"), small).status().message(),
              HasSubstr("heatmap: columns must be in [1, --max_heatmap_columns=100], got 101"));
  EXPECT_THAT(ParseScalarParams("r", Target("/x?points=51"), small).status().message(),
              HasSubstr("scalars: points must be in [1, --max_scalar_points=50], got 51"));
}

}  // namespace
}  // namespace actiscope::server
