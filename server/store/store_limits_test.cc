// The store's limits (StoreOptions): segment size, series per run, runs in total, the query
// limits it holds and the heatmap cell cap it checks, steps at the edge of the representable
// range, and scalars downsampled without reading whole series.
#include <sqlite3.h>

#include <filesystem>
#include <limits>
#include <memory>
#include <string>

#include "common/report_limits.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/heatmap_query.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

class StoreLimitsTest : public ::testing::Test {
 protected:
  void Open(StoreOptions options) {
    store_.reset();
    options.path = path_;
    options.durable_against_power_loss = false;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  absl::Status CreateRun(const std::string& id) {
    RunInfo run;
    run.run_id = id;
    run.start_time = absl::Now();
    return store_->CreateRun(run, std::nullopt).status();
  }

  static Histogram MakeHistogram(const std::string& layer, int64_t step, uint32_t rank = 0) {
    Histogram h;
    h.layer = layer;
    h.step = step;
    h.rank = rank;
    h.layout = BinLayout{BinScale::kLinear, 4, 0.0, 1.0};
    h.values.counts = {1, 2, 3, static_cast<uint64_t>(step % 5)};
    for (uint64_t c : h.values.counts) h.values.elements += c;
    h.values.min = 0;
    h.values.max = 1;
    return h;
  }

  absl::Status WriteSteps(const std::string& run, const std::string& layer, int64_t from,
                          int64_t to, uint32_t rank = 0) {
    WriteBatch batch;
    batch.run_id = run;
    for (int64_t s = from; s <= to; ++s) batch.histograms.push_back(MakeHistogram(layer, s, rank));
    return store_->Write(batch).status();
  }

  // Segment rows of the database, read with SQLite directly: (count of rows, most steps in one).
  std::pair<int64_t, int64_t> Segments() {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(
        sqlite3_prepare_v2(db, "SELECT count(*), max(count) FROM segments", -1, &stmt, nullptr),
        SQLITE_OK);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    std::pair<int64_t, int64_t> result{sqlite3_column_int64(stmt, 0),
                                       sqlite3_column_int64(stmt, 1)};
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return result;
  }

  absl::StatusOr<Heatmap> ReadHeatmap(int64_t from, int64_t to, uint32_t columns) {
    HeatmapQuery q;
    q.run_id = "r1";
    q.layer = "a";
    q.from_step = from;
    q.to_step = to;
    q.max_columns = columns;
    return store_->ReadHeatmap(q);
  }

  ::actiscope::testing::TempDir dir_{"store_limits_test"};
  const std::string path_ = (std::filesystem::path(dir_.path()) / "test.db").string();
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(StoreLimitsTest, ABigBatchIsSplitIntoSegmentsOfAtMostMaxSegmentSteps) {
  StoreOptions options;
  options.max_segment_steps = 100;
  Open(options);
  ASSERT_TRUE(CreateRun("r1").ok());
  ASSERT_TRUE(WriteSteps("r1", "a", 0, 1049).ok());
  EXPECT_EQ(Segments(), std::make_pair(int64_t{11}, int64_t{100}));
  // A short tail (50 steps) is extended by the next batch, still up to the limit only.
  ASSERT_TRUE(WriteSteps("r1", "a", 1050, 1199).ok());
  const auto [rows, largest] = Segments();
  EXPECT_EQ(largest, 100);
  EXPECT_EQ(rows, 12);
  absl::StatusOr<Heatmap> heatmap = ReadHeatmap(0, -1, 1200);
  ASSERT_TRUE(heatmap.ok()) << heatmap.status();
  ASSERT_EQ(heatmap->columns.size(), 1200u);
  for (int64_t s = 0; s < 1200; ++s) {
    EXPECT_EQ(heatmap->columns[s].step_from, s);
    EXPECT_EQ(heatmap->columns[s].sums.counts, MakeHistogram("a", s).values.counts) << s;
  }
}

TEST_F(StoreLimitsTest, SeriesBeyondTheRunsLimitAreRefusedAndExistingOnesKeepWorking) {
  StoreOptions options;
  options.max_series_per_run = 3;
  Open(options);
  ASSERT_TRUE(CreateRun("r1").ok());
  ASSERT_TRUE(WriteSteps("r1", "a", 0, 0, 0).ok());
  ASSERT_TRUE(WriteSteps("r1", "a", 0, 0, 1).ok());
  WriteBatch two_new;
  two_new.run_id = "r1";
  two_new.histograms = {MakeHistogram("b", 0), MakeHistogram("c", 0)};
  absl::StatusOr<WriteResult> refused = store_->Write(two_new);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("--max_series_per_run"));
  EXPECT_THAT(store_->ListLayers("r1").value(), ::testing::SizeIs(1));  // Nothing of it stored.
  EXPECT_TRUE(WriteSteps("r1", "a", 1, 5, 1).ok());
  EXPECT_TRUE(WriteSteps("r1", "b", 0, 0).ok());  // The third series fits.
  EXPECT_EQ(WriteSteps("r1", "c", 0, 0).code(), absl::StatusCode::kResourceExhausted);
  // The count survives a restart (it is read back from the database).
  Open(options);
  EXPECT_EQ(WriteSteps("r1", "c", 0, 0).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(WriteSteps("r1", "b", 1, 1).ok());
  // Other runs have their own budget.
  ASSERT_TRUE(CreateRun("r2").ok());
  EXPECT_TRUE(WriteSteps("r2", "c", 0, 0).ok());
}

TEST_F(StoreLimitsTest, RunsBeyondTheLimitAreRefusedAndExistingOnesStillStart) {
  StoreOptions options;
  options.max_runs = 2;
  Open(options);
  ASSERT_TRUE(CreateRun("r1").ok());
  ASSERT_TRUE(CreateRun("r2").ok());
  const absl::Status third = CreateRun("r3");
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(third.message(), HasSubstr("--max_runs"));
  EXPECT_TRUE(CreateRun("r1").ok());  // Starting an existing run again is not a new run.
  EXPECT_TRUE(WriteSteps("r2", "a", 0, 3).ok());
}

TEST_F(StoreLimitsTest, OptionsOutOfRangeAreRefusedAtOpen) {
  for (auto set :
       {+[](StoreOptions& o) { o.max_segment_steps = 0; },
        +[](StoreOptions& o) { o.max_series_per_run = 0; },
        +[](StoreOptions& o) { o.max_runs = -1; }, +[](StoreOptions& o) { o.read_connections = 0; },
        +[](StoreOptions& o) { o.query_limits.max_runs_listed = 0; },
        +[](StoreOptions& o) { o.query_limits.max_heatmap_columns = 0; },
        +[](StoreOptions& o) { o.query_limits.max_heatmap_cells = 0; },
        +[](StoreOptions& o) { o.query_limits.max_scalar_points = 0; }}) {
    StoreOptions options;
    options.path = path_;
    set(options);
    EXPECT_EQ(SqliteStore::Open(options).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST_F(StoreLimitsTest, ConfiguredQueryLimitsAreReportedBack) {
  StoreOptions options;
  options.query_limits.max_runs_listed = 5;
  options.query_limits.max_heatmap_columns = 100;
  options.query_limits.max_heatmap_cells = 1000;
  options.query_limits.max_scalar_points = 50;
  Open(options);
  EXPECT_EQ(store_->query_limits().max_runs_listed, 5u);
  EXPECT_EQ(store_->query_limits().max_heatmap_columns, 100u);
  EXPECT_EQ(store_->query_limits().max_heatmap_cells, 1000u);
  EXPECT_EQ(store_->query_limits().max_scalar_points, 50u);
}

TEST_F(StoreLimitsTest, HeatmapOverConfiguredMaxHeatmapCellsIsRefusedNamingTheFlag) {
  StoreOptions options;
  options.query_limits.max_heatmap_cells = 40;  // 10 columns of the 4-bin layer.
  Open(options);
  ASSERT_TRUE(CreateRun("r1").ok());
  ASSERT_TRUE(WriteSteps("r1", "a", 0, 99).ok());
  absl::StatusOr<Heatmap> fits = ReadHeatmap(0, -1, 10);
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->columns.size(), 10u);
  absl::StatusOr<Heatmap> refused = ReadHeatmap(0, -1, 20);  // 20 columns of 5 steps.
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("20 columns x 4 bins is 80 cells, over --max_heatmap_cells=40; ask for "
                        "at most 10 columns"));
}

TEST_F(StoreLimitsTest, StepsAtTheTopOfTheRangeAreStoredAndRead) {
  Open(StoreOptions());
  ASSERT_TRUE(CreateRun("r1").ok());
  ASSERT_TRUE(WriteSteps("r1", "a", 0, 2).ok());
  ASSERT_TRUE(WriteSteps("r1", "a", kMaxStep - 2, kMaxStep).ok());
  for (uint32_t columns : {1u, 10000u}) {
    absl::StatusOr<Heatmap> heatmap = ReadHeatmap(0, kMaxStep, columns);
    ASSERT_TRUE(heatmap.ok()) << heatmap.status();
    ASSERT_FALSE(heatmap->columns.empty());
    EXPECT_LE(heatmap->columns.size(), columns);
    EXPECT_EQ(heatmap->columns.front().step_from, 0);
    EXPECT_EQ(heatmap->columns.back().step_to, kMaxStep);
    uint64_t histograms = 0;
    for (const HeatmapColumn& c : heatmap->columns) histograms += c.histograms;
    EXPECT_EQ(histograms, 6u) << columns;
  }
  // Bounds anywhere in int64 are safe and read what lies inside them.
  absl::StatusOr<Heatmap> all =
      ReadHeatmap(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 1);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->columns.size(), 1u);
  EXPECT_EQ(all->columns[0].histograms, 6u);
}

TEST(PlanColumnsLimitsTest, AnyInt64RangeIsClippedWithoutOverflow) {
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  for (uint32_t columns : {1u, 7u, 10000u}) {
    const ColumnPlan plan = PlanColumns(kMin, kMax, columns);
    EXPECT_EQ(plan.from, 0);
    EXPECT_EQ(plan.to, kMaxStep);
    EXPECT_GE(plan.columns, 1);
    EXPECT_LE(plan.columns, columns);
    EXPECT_EQ(plan.ColumnTo(plan.columns - 1), kMaxStep);
  }
  EXPECT_EQ(PlanColumns(kMax - 1, kMax, 10).columns, 0);  // Wholly above kMaxStep.
  EXPECT_EQ(PlanColumns(kMin, -1, 10).columns, 0);        // Wholly below 0.
}

TEST_F(StoreLimitsTest, ScalarsAreDownsampledToTheMeanOfConsecutiveSteps) {
  Open(StoreOptions());
  ASSERT_TRUE(CreateRun("r1").ok());
  WriteBatch batch;
  batch.run_id = "r1";
  for (int64_t s = 0; s < 1000; ++s) {
    batch.scalars.push_back(ScalarPoint{"loss", s, 0, static_cast<double>(s)});
    batch.scalars.push_back(ScalarPoint{"loss", s, 1, static_cast<double>(s) + 2});
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  ScalarQuery q;
  q.run_id = "r1";
  q.from_step = 100;
  q.to_step = 399;   // 300 points,
  q.max_points = 7;  // in runs of 43: 6 full ones and one of 42.
  absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(q);
  ASSERT_TRUE(series.ok()) << series.status();
  ASSERT_EQ(series->size(), 1u);
  const ScalarSeries& loss = (*series)[0];
  ASSERT_EQ(loss.steps.size(), 7u);
  for (size_t i = 0; i < 6; ++i) {
    const int64_t first = 100 + 43 * static_cast<int64_t>(i);
    EXPECT_EQ(loss.steps[i], first);
    EXPECT_DOUBLE_EQ(loss.values[i], static_cast<double>(first) + 21 + 1);  // Mean over ranks.
  }
  EXPECT_EQ(loss.steps[6], 358);
  EXPECT_DOUBLE_EQ(loss.values[6], 358 + 20.5 + 1);
  q.max_points = 1000;  // Fewer points than the maximum: every step as it is.
  series = store_->ReadScalars(q);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ((*series)[0].steps.size(), 300u);
  EXPECT_DOUBLE_EQ((*series)[0].values[5], 106);
}

}  // namespace
}  // namespace actiscope::server
