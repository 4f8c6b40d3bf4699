#include "server/store/heatmap_query.h"

#include <sqlite3.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/report_limits.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/query_validation.h"
#include "server/store/sqlite_store.h"
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

TEST(PlanColumnsTest, TheWholeStepRangeIsCoveredWithoutOverflow) {
  for (uint32_t max_columns : {1u, 7u, QueryLimits{}.max_heatmap_columns}) {
    const ColumnPlan plan = PlanColumns(0, kMaxStep, max_columns);
    ASSERT_GE(plan.columns, 1);
    EXPECT_LE(plan.columns, max_columns);
    EXPECT_EQ(plan.ColumnFrom(0), 0);
    EXPECT_EQ(plan.ColumnTo(plan.columns - 1), kMaxStep);
    EXPECT_EQ(plan.ColumnOf(kMaxStep), plan.columns - 1);
    for (int64_t c = 1; c < plan.columns; ++c) {
      EXPECT_EQ(plan.ColumnFrom(c), plan.ColumnTo(c - 1) + 1) << max_columns << " columns";
    }
  }
}

TEST(PlanColumnsTest, ColumnsNeverExceedTheMaximumAndCoverTheRange) {
  for (int64_t from : {0, 1, 63, 1000, 123457}) {
    for (int64_t span : {1, 2, 999, 4096, 100000, 3000001}) {
      for (uint32_t max_columns : {1u, 7u, 1000u, QueryLimits{}.max_heatmap_columns}) {
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

// The cell cap against a real store: layer "wide" has kBins bins and two stored steps, 0 and
// kLastStep, so a query over all of it plans many columns but would return only two.
class HeatmapCellCapTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kBins = 256;
  static constexpr int64_t kLastStep = 99999;
  static constexpr uint32_t kMaxColumns = QueryLimits{}.max_heatmap_columns;
  static constexpr uint64_t kMaxCells = QueryLimits{}.max_heatmap_cells;
  static constexpr uint32_t kColumnsThatFit = kMaxCells / kBins;

  void SetUp() override {
    Open();
    RunInfo run;
    run.run_id = "r1";
    ASSERT_TRUE(store_->CreateRun(run, std::nullopt).ok());
    WriteBatch batch;
    batch.run_id = "r1";
    for (int64_t step : {int64_t{0}, kLastStep}) {
      Histogram h;
      h.layer = "wide";
      h.step = step;
      h.layout = BinLayout{BinScale::kLinear, kBins, 0.0, 1.0};
      h.values.counts.assign(kBins, 1);
      h.values.elements = kBins;
      h.values.max = 1;
      batch.histograms.push_back(h);
    }
    ASSERT_TRUE(store_->Write(batch).ok());
  }

  void Open(const QueryLimits& limits = QueryLimits()) {
    store_.reset();
    StoreOptions options;
    options.path = temp_dir_.File("test.db");
    options.durable_against_power_loss = false;
    options.heatmap_from_segments_only = true;
    options.query_limits = limits;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  HeatmapQuery Query(uint32_t max_columns) const {
    HeatmapQuery query;
    query.run_id = "r1";
    query.layer = "wide";
    query.max_columns = max_columns;
    EXPECT_TRUE(ValidateHeatmapQuery(query, store_->query_limits()).ok());
    return query;
  }

  ::actiscope::testing::TempDir temp_dir_{"heatmap_query_test"};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(HeatmapCellCapTest, PlannedColumnsOverTheCapAreRefusedThoughFewWouldComeBack) {
  static_assert(uint64_t{kMaxColumns} * kBins > kMaxCells);
  const absl::StatusOr<Heatmap> refused = store_->ReadHeatmap(Query(kMaxColumns));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr(absl::StrCat(
                  kMaxColumns, " columns x ", kBins, " bins is ", uint64_t{kMaxColumns} * kBins,
                  " cells, over --max_heatmap_cells=", kMaxCells, "; ask for at most ",
                  kColumnsThatFit, " columns")));
  const absl::StatusOr<Heatmap> fits = store_->ReadHeatmap(Query(kColumnsThatFit));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->columns.size(), 2u);
}

TEST_F(HeatmapCellCapTest, ConfiguredMaxHeatmapCellsIsTheCap) {
  QueryLimits limits;
  limits.max_heatmap_cells = 3 * kBins;
  Open(limits);
  const absl::StatusOr<Heatmap> fits = store_->ReadHeatmap(Query(3));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->columns.size(), 2u);
  const absl::StatusOr<Heatmap> refused = store_->ReadHeatmap(Query(100));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              ::testing::HasSubstr(absl::StrCat("over --max_heatmap_cells=", 3 * kBins,
                                                "; ask for at most 3 columns")));
}

TEST_F(HeatmapCellCapTest, CapIsCheckedBeforeAnyHistogramIsRead) {
  // Corrupt every stored histogram: a read of one fails with DATA_LOSS.
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(temp_dir_.File("test.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE segments SET data = x'0300ff'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Open();
  EXPECT_EQ(store_->ReadHeatmap(Query(kColumnsThatFit)).status().code(),
            absl::StatusCode::kDataLoss);
  // Over the cap the plan is refused before the corrupt rows are touched.
  EXPECT_EQ(store_->ReadHeatmap(Query(kMaxColumns)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace actiscope::server
