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

TEST(QueryValidationTest, DefaultQueriesAreValid) {
  HeatmapQuery heatmap;
  heatmap.layer = "conv1";
  EXPECT_TRUE(ValidateHeatmapQuery(heatmap).ok());
  EXPECT_TRUE(ValidateScalarQuery(ScalarQuery{}).ok());
  EXPECT_TRUE(ValidateRunListQuery(RunListQuery{}).ok());
}

TEST(QueryValidationTest, RunListLimitIsBounded) {
  RunListQuery query;
  query.limit = RunListQuery::kMaxLimit;
  EXPECT_TRUE(ValidateRunListQuery(query).ok());
  query.limit = RunListQuery::kMaxLimit + 1;
  EXPECT_THAT(ValidateRunListQuery(query).message(),
              HasSubstr(absl::StrCat("runs: limit must be in [1, ", RunListQuery::kMaxLimit,
                                     "], got ", RunListQuery::kMaxLimit + 1)));
  query.limit = 0;
  EXPECT_EQ(ValidateRunListQuery(query).code(), absl::StatusCode::kInvalidArgument);
}

TEST(QueryValidationTest, StepsPastTheLargestAreRejectedOnBothQueries) {
  HeatmapQuery heatmap;
  heatmap.layer = "conv1";
  heatmap.from_step = kMaxStep;
  heatmap.to_step = kMaxStep;
  EXPECT_TRUE(ValidateHeatmapQuery(heatmap).ok());
  heatmap.to_step = kMaxStep + 1;
  EXPECT_THAT(ValidateHeatmapQuery(heatmap).message(),
              HasSubstr("heatmap: steps must be at most 9007199254740991"));
  ScalarQuery scalars;
  scalars.from_step = std::numeric_limits<int64_t>::max();
  EXPECT_THAT(ValidateScalarQuery(scalars).message(),
              HasSubstr("scalars: steps must be at most 9007199254740991"));
}

TEST(QueryValidationTest, HeatmapColumnsLayerAndStepsAreChecked) {
  HeatmapQuery query;
  query.layer = "conv1";
  query.max_columns = HeatmapQuery::kMaxColumns;
  EXPECT_TRUE(ValidateHeatmapQuery(query).ok());
  query.max_columns = HeatmapQuery::kMaxColumns + 1;
  EXPECT_THAT(ValidateHeatmapQuery(query).message(),
              HasSubstr(absl::StrCat("heatmap: columns must be in [1, ", HeatmapQuery::kMaxColumns,
                                     "], got ", HeatmapQuery::kMaxColumns + 1)));
  query.max_columns = 0;
  EXPECT_EQ(ValidateHeatmapQuery(query).code(), absl::StatusCode::kInvalidArgument);
  query.max_columns = 10;
  query.from_step = 3;
  query.to_step = 2;
  EXPECT_THAT(ValidateHeatmapQuery(query).message(),
              HasSubstr("heatmap: the from step 3 is after the to step 2"));
  query.to_step = 3;
  EXPECT_TRUE(ValidateHeatmapQuery(query).ok());
  query.to_step = -1;  // The last stored step, whatever from_step is.
  EXPECT_TRUE(ValidateHeatmapQuery(query).ok());
  query.from_step = -1;
  EXPECT_THAT(ValidateHeatmapQuery(query).message(), HasSubstr("from step must be >= 0, got -1"));
  query.from_step = 0;
  query.to_step = 0;  // Step 0 only.
  EXPECT_TRUE(ValidateHeatmapQuery(query).ok());
  query.layer.clear();
  EXPECT_EQ(ValidateHeatmapQuery(query).code(), absl::StatusCode::kInvalidArgument);
}

TEST(QueryValidationTest, HeatmapCellsNameTheNumbersAndTheColumnsThatFit) {
  HeatmapQuery query;
  query.layer = "conv1";
  constexpr uint32_t kBins = 500;
  constexpr int64_t kFit = HeatmapQuery::kMaxCells / kBins;
  static_assert(kFit * kBins == HeatmapQuery::kMaxCells);
  EXPECT_TRUE(ValidateHeatmapCells(query, kFit, kBins).ok());  // Exactly kMaxCells.
  const absl::Status s = ValidateHeatmapCells(query, kFit + 1, kBins);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("heatmap of layer 'conv1': ", kFit + 1,
                                                  " columns x 500 bins is over the limit of ",
                                                  HeatmapQuery::kMaxCells,
                                                  " cells; ask for at most ", kFit, " columns")));
}

TEST(QueryValidationTest, ScalarPointsNamesAndStepsAreChecked) {
  ScalarQuery query;
  query.max_points = ScalarQuery::kMaxPoints;
  EXPECT_TRUE(ValidateScalarQuery(query).ok());
  query.max_points = ScalarQuery::kMaxPoints + 1;
  EXPECT_THAT(ValidateScalarQuery(query).message(),
              HasSubstr(absl::StrCat("scalars: points must be in [1, ", ScalarQuery::kMaxPoints,
                                     "], got ", ScalarQuery::kMaxPoints + 1)));
  query.max_points = 0;
  EXPECT_EQ(ValidateScalarQuery(query).code(), absl::StatusCode::kInvalidArgument);
  query.max_points = 10;
  query.names.assign(ScalarQuery::kMaxNames, "loss");
  EXPECT_TRUE(ValidateScalarQuery(query).ok());
  query.names.push_back("lr");
  EXPECT_THAT(ValidateScalarQuery(query).message(),
              HasSubstr(absl::StrCat("at most ", ScalarQuery::kMaxNames, " names, got ",
                                     ScalarQuery::kMaxNames + 1)));
  query.names.clear();
  query.from_step = 5;
  query.to_step = 4;
  EXPECT_EQ(ValidateScalarQuery(query).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::server
