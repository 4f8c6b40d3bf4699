#include "server/store/query_validation.h"

#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/report_limits.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

// Smaller than the defaults, as an operator may configure them.
QueryLimits SmallLimits() {
  QueryLimits limits;
  limits.max_runs_listed = 5;
  limits.max_heatmap_columns = 100;
  limits.max_heatmap_cells = 1000;
  limits.max_scalar_points = 50;
  return limits;
}

TEST(QueryValidationTest, DefaultQueriesAreValid) {
  const QueryLimits limits;
  HeatmapQuery heatmap;
  heatmap.layer = "conv1";
  EXPECT_TRUE(ValidateHeatmapQuery(heatmap, limits).ok());
  EXPECT_TRUE(ValidateScalarQuery(ScalarQuery{}, limits).ok());
  EXPECT_TRUE(ValidateRunListQuery(RunListQuery{}, limits).ok());
}

TEST(QueryValidationTest, DefaultCountsAreTheQueriesDefaultsWithinTheDefaultLimits) {
  const QueryLimits limits;
  EXPECT_EQ(DefaultRunLimit(limits), RunListQuery::kDefaultLimit);
  EXPECT_EQ(DefaultHeatmapColumns(limits), HeatmapQuery::kDefaultColumns);
  EXPECT_EQ(DefaultScalarPoints(limits), ScalarQuery::kDefaultPoints);
}

TEST(QueryValidationTest, DefaultCountsAreClampedToSmallerConfiguredLimits) {
  const QueryLimits limits = SmallLimits();
  EXPECT_EQ(DefaultRunLimit(limits), 5u);
  EXPECT_EQ(DefaultHeatmapColumns(limits), 100u);
  EXPECT_EQ(DefaultScalarPoints(limits), 50u);
}

TEST(QueryValidationTest, RunListLimitIsBoundedByMaxRunsListed) {
  const QueryLimits defaults;
  RunListQuery query;
  query.limit = defaults.max_runs_listed;
  EXPECT_TRUE(ValidateRunListQuery(query, defaults).ok());
  query.limit = defaults.max_runs_listed + 1;
  EXPECT_THAT(ValidateRunListQuery(query, defaults).message(),
              HasSubstr(absl::StrCat(
                  "runs: limit must be in [1, --max_runs_listed=", defaults.max_runs_listed,
                  "], got ", defaults.max_runs_listed + 1)));
  query.limit = 0;
  EXPECT_EQ(ValidateRunListQuery(query, defaults).code(), absl::StatusCode::kInvalidArgument);

  query.limit = 5;
  EXPECT_TRUE(ValidateRunListQuery(query, SmallLimits()).ok());
  query.limit = 6;
  const absl::Status refused = ValidateRunListQuery(query, SmallLimits());
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.message(),
              HasSubstr("runs: limit must be in [1, --max_runs_listed=5], got 6"));
}

TEST(QueryValidationTest, StepsPastTheLargestAreRejectedOnBothQueries) {
  const QueryLimits limits;
  HeatmapQuery heatmap;
  heatmap.layer = "conv1";
  heatmap.from_step = kMaxStep;
  heatmap.to_step = kMaxStep;
  EXPECT_TRUE(ValidateHeatmapQuery(heatmap, limits).ok());
  heatmap.to_step = kMaxStep + 1;
  EXPECT_THAT(ValidateHeatmapQuery(heatmap, limits).message(),
              HasSubstr("heatmap: steps must be at most 9007199254740991"));
  ScalarQuery scalars;
  scalars.from_step = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(ValidateScalarQuery(scalars, limits).message(),
              HasSubstr("scalars: steps must be at most 9007199254740991"));
}

TEST(QueryValidationTest, HeatmapColumnsLayerAndStepsAreChecked) {
  const QueryLimits limits;
  HeatmapQuery query;
  query.layer = "conv1";
  query.max_columns = limits.max_heatmap_columns;
  EXPECT_TRUE(ValidateHeatmapQuery(query, limits).ok());
  query.max_columns = limits.max_heatmap_columns + 1;
  EXPECT_THAT(ValidateHeatmapQuery(query, limits).message(),
              HasSubstr(absl::StrCat("heatmap: columns must be in [1, --max_heatmap_columns=",
                                     limits.max_heatmap_columns, "], got ",
                                     limits.max_heatmap_columns + 1)));
  query.max_columns = 0;
  EXPECT_EQ(ValidateHeatmapQuery(query, limits).code(), absl::StatusCode::kInvalidArgument);
  query.max_columns = 10;
  query.from_step = 3;
  query.to_step = 2;
  EXPECT_THAT(ValidateHeatmapQuery(query, limits).message(),
              HasSubstr("heatmap: the from step 3 is after the to step 2"));
  query.to_step = 3;
  EXPECT_TRUE(ValidateHeatmapQuery(query, limits).ok());
  query.to_step = -1;  // The last stored step, whatever from_step is.
  EXPECT_TRUE(ValidateHeatmapQuery(query, limits).ok());
  query.from_step = -1;
  EXPECT_THAT(ValidateHeatmapQuery(query, limits).message(),
              HasSubstr("from step must be >= 0, got -1"));
  query.from_step = 0;
  query.to_step = 0;  // Step 0 only.
  EXPECT_TRUE(ValidateHeatmapQuery(query, limits).ok());
  query.layer.clear();
  EXPECT_EQ(ValidateHeatmapQuery(query, limits).code(), absl::StatusCode::kInvalidArgument);
}

TEST(QueryValidationTest, HeatmapColumnsAreBoundedByConfiguredMaxHeatmapColumns) {
  HeatmapQuery query;
  query.layer = "conv1";
  query.max_columns = 100;
  EXPECT_TRUE(ValidateHeatmapQuery(query, SmallLimits()).ok());
  query.max_columns = 101;
  EXPECT_THAT(ValidateHeatmapQuery(query, SmallLimits()).message(),
              HasSubstr("heatmap: columns must be in [1, --max_heatmap_columns=100], got 101"));
}

TEST(QueryValidationTest, HeatmapCellsNameTheFlagTheNumbersAndTheColumnsThatFit) {
  const QueryLimits limits;
  HeatmapQuery query;
  query.layer = "conv1";
  constexpr uint32_t kBins = 500;
  const int64_t fit = limits.max_heatmap_cells / kBins;
  ASSERT_EQ(fit * kBins, limits.max_heatmap_cells);
  EXPECT_TRUE(ValidateHeatmapCells(query, fit, kBins, limits).ok());  // Exactly at the cap.
  const absl::Status s = ValidateHeatmapCells(query, fit + 1, kBins, limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(),
              HasSubstr(absl::StrCat("heatmap of layer 'conv1': ", fit + 1,
                                     " columns x 500 bins is ", (fit + 1) * kBins,
                                     " cells, over --max_heatmap_cells=", limits.max_heatmap_cells,
                                     "; ask for at most ", fit, " columns")));
}

TEST(QueryValidationTest, HeatmapCellsAreBoundedByConfiguredMaxHeatmapCells) {
  HeatmapQuery query;
  query.layer = "conv1";
  EXPECT_TRUE(ValidateHeatmapCells(query, 10, 100, SmallLimits()).ok());
  EXPECT_THAT(ValidateHeatmapCells(query, 11, 100, SmallLimits()).message(),
              HasSubstr("11 columns x 100 bins is 1100 cells, over --max_heatmap_cells=1000; "
                        "ask for at most 10 columns"));
  // A layer of more bins than the cap: no number of columns fits.
  EXPECT_THAT(ValidateHeatmapCells(query, 1, 1024, SmallLimits()).message(),
              HasSubstr("1 columns x 1024 bins is 1024 cells, over --max_heatmap_cells=1000; "
                        "not even one column of this layer fits"));
}

TEST(QueryValidationTest, ScalarPointsNamesAndStepsAreChecked) {
  const QueryLimits limits;
  ScalarQuery query;
  query.max_points = limits.max_scalar_points;
  EXPECT_TRUE(ValidateScalarQuery(query, limits).ok());
  query.max_points = limits.max_scalar_points + 1;
  EXPECT_THAT(ValidateScalarQuery(query, limits).message(),
              HasSubstr(absl::StrCat(
                  "scalars: points must be in [1, --max_scalar_points=", limits.max_scalar_points,
                  "], got ", limits.max_scalar_points + 1)));
  query.max_points = 0;
  EXPECT_EQ(ValidateScalarQuery(query, limits).code(), absl::StatusCode::kInvalidArgument);
  query.max_points = 10;
  query.names.assign(ScalarQuery::kMaxNames, "loss");
  EXPECT_TRUE(ValidateScalarQuery(query, limits).ok());
  query.names.push_back("lr");
  EXPECT_THAT(ValidateScalarQuery(query, limits).message(),
              HasSubstr(absl::StrCat("at most ", ScalarQuery::kMaxNames, " names, got ",
                                     ScalarQuery::kMaxNames + 1)));
  query.names.clear();
  query.from_step = 5;
  query.to_step = 4;
  EXPECT_EQ(ValidateScalarQuery(query, limits).code(), absl::StatusCode::kInvalidArgument);
}

TEST(QueryValidationTest, ScalarPointsAreBoundedByConfiguredMaxScalarPoints) {
  ScalarQuery query;
  query.max_points = 50;
  EXPECT_TRUE(ValidateScalarQuery(query, SmallLimits()).ok());
  query.max_points = 51;
  EXPECT_THAT(ValidateScalarQuery(query, SmallLimits()).message(),
              HasSubstr("scalars: points must be in [1, --max_scalar_points=50], got 51"));
}

}  // namespace
}  // namespace actiscope::server
