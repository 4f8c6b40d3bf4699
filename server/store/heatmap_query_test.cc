#include "server/store/heatmap_query.h"

#include "gtest/gtest.h"
#include "server/store/summary_levels.h"

namespace actiscope::server {
namespace {

TEST(PlanColumnsTest, SmallSpansUseRawStepsInEqualColumns) {
  const ColumnPlan plan = PlanColumns(10, 109, 25);
  EXPECT_EQ(plan.level, -1);
  EXPECT_EQ(plan.columns, 25);
  EXPECT_EQ(plan.ColumnOf(10), 0);
  EXPECT_EQ(plan.ColumnOf(13), 0);
  EXPECT_EQ(plan.ColumnOf(14), 1);
  EXPECT_EQ(plan.ColumnFrom(1), 14);
  EXPECT_EQ(plan.ColumnTo(24), 109);
}

TEST(PlanColumnsTest, WideSpansUseTheCoarsestLevelThatFits) {
  const ColumnPlan plan = PlanColumns(0, 999999, 1000);
  EXPECT_EQ(plan.level, 1);  // 1000 steps per column: 512-step buckets.
  EXPECT_EQ(plan.unit, kSummaryWidths[1]);
  EXPECT_LE(plan.columns, 1000);
  EXPECT_EQ(plan.ColumnFrom(0), 0);
  EXPECT_EQ(plan.ColumnTo(plan.columns - 1), 999999);
  // Columns are whole buckets.
  EXPECT_EQ((plan.ColumnTo(0) + 1) % plan.unit, 0);
}

TEST(PlanColumnsTest, ColumnsNeverExceedTheMaximumAndCoverTheRange) {
  for (int64_t from : {0, 1, 63, 1000, 123457}) {
    for (int64_t span : {1, 2, 999, 4096, 100000, 3000001}) {
      for (uint32_t max_columns : {1u, 7u, 1000u, 10000u}) {
        const ColumnPlan plan = PlanColumns(from, from + span - 1, max_columns);
        ASSERT_GE(plan.columns, 1);
        ASSERT_LE(plan.columns, max_columns);
        EXPECT_EQ(plan.ColumnOf(from), 0);
        EXPECT_EQ(plan.ColumnOf(from + span - 1), plan.columns - 1);
        EXPECT_EQ(plan.ColumnFrom(0), from);
        EXPECT_EQ(plan.ColumnTo(plan.columns - 1), from + span - 1);
      }
    }
  }
}

}  // namespace
}  // namespace actiscope::server
