// Frames stored whatever order they arrive in (ingest_writer.h): late steps below a series' last
// stored step are stored into the right segment and summary buckets, re-sends are ignored,
// differing frames are conflicts, clients' rejected frames are counted, a resume deletes one
// rank's steps or the whole run's, and an SQLite error fails a whole group of batches.
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/heatmap_query.h"
#include "server/store/ingest_writer.h"
#include "server/store/schema.h"
#include "server/store/series_block.h"
#include "server/store/sqlite_handle.h"
#include "server/store/sqlite_store.h"
#include "server/store/store_queries.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kBins = 8;

// A histogram whose every field depends on (step, rank, salt). Sums are multiples of 0.25
// below 2^20, exact in float32 and in any order of addition, so sums compare exactly.
Histogram MakeHistogram(const std::string& layer, int64_t step, uint32_t rank = 0,
                        uint64_t salt = 0) {
  Histogram h;
  h.layer = layer;
  h.kind = Kind::kActivation;
  h.step = step;
  h.rank = rank;
  h.layout = BinLayout{BinScale::kLinear, kBins, -1.0, 1.0};
  h.values.counts.resize(kBins);
  const uint64_t seed = static_cast<uint64_t>(step) * 7 + rank * 3 + salt * 11;
  for (uint32_t b = 0; b < kBins; ++b) {
    h.values.counts[b] = (seed + b * 13) % 50;
    h.values.elements += h.values.counts[b];
  }
  h.values.below = seed % 3;
  h.values.above = seed % 2;
  h.values.nonfinite = seed % 5 == 0 ? 1 : 0;
  h.values.elements += h.values.below + h.values.above + h.values.nonfinite;
  h.values.min = -0.5f - static_cast<float>(seed % 5);
  h.values.max = 0.25f * static_cast<float>(seed % 9);
  h.values.sum = 0.25 * static_cast<double>(seed % 11);
  h.values.sum_squares = 0.5 * static_cast<double>(seed % 13);
  return h;
}

// The heatmap of `stored` (step -> histogram) that a store must return for the query, planned
// and summed here without the store.
Heatmap ExpectedHeatmap(const std::map<int64_t, Histogram>& stored, int64_t from, int64_t to,
                        uint32_t max_columns) {
  Heatmap heatmap;
  const int64_t last = stored.empty() ? -1 : stored.rbegin()->first;
  to = to < 0 ? last : std::min(to, last);
  if (to < from) return heatmap;
  const ColumnPlan plan = PlanColumns(from, to, max_columns);
  std::vector<StepRangeSums> columns(plan.columns);
  for (const auto& [step, h] : stored) {
    if (step >= plan.from && step <= plan.to) columns[plan.ColumnOf(step)].AddStep(step, h.values);
  }
  for (StepRangeSums& c : columns) {
    if (!c.empty()) heatmap.columns.push_back({c.step_from, c.step_to, c.histograms, c.sums});
  }
  return heatmap;
}

void ExpectSameColumns(const Heatmap& actual, const Heatmap& expected) {
  ASSERT_EQ(actual.columns.size(), expected.columns.size());
  for (size_t i = 0; i < actual.columns.size(); ++i) {
    const HeatmapColumn& x = actual.columns[i];
    const HeatmapColumn& y = expected.columns[i];
    EXPECT_EQ(x.step_from, y.step_from) << i;
    EXPECT_EQ(x.step_to, y.step_to) << i;
    EXPECT_EQ(x.histograms, y.histograms) << i;
    EXPECT_EQ(x.sums.counts, y.sums.counts) << i;
    EXPECT_EQ(x.sums.below, y.sums.below) << i;
    EXPECT_EQ(x.sums.above, y.sums.above) << i;
    EXPECT_EQ(x.sums.zeros, y.sums.zeros) << i;
    EXPECT_EQ(x.sums.nonfinite, y.sums.nonfinite) << i;
    EXPECT_EQ(x.sums.elements, y.sums.elements) << i;
    EXPECT_EQ(x.sums.min, y.sums.min) << i;
    EXPECT_EQ(x.sums.max, y.sums.max) << i;
    EXPECT_EQ(x.sums.sum, y.sums.sum) << i;
    EXPECT_EQ(x.sums.sum_squares, y.sums.sum_squares) << i;
  }
}

// Through SqliteStore: a writer store, and a second one on the same file that reads heatmaps
// from segments only.
class LateFramesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Open();
    RunInfo run;
    run.run_id = "r1";
    run.start_time = absl::Now();
    ASSERT_TRUE(store_->CreateRun(run, std::nullopt).ok());
  }

  void Open(int64_t max_segment_steps = 1024) {
    store_.reset();
    raw_.reset();
    StoreOptions options;
    options.path = path_;
    options.durable_against_power_loss = false;
    options.max_segment_steps = max_segment_steps;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    options.heatmap_from_segments_only = true;
    store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    raw_ = *std::move(store);
  }

  // Writes one batch of `histograms`, remembering the first of each step in stored_ (the
  // frame the store must keep).
  WriteResult Write(const std::vector<Histogram>& histograms) {
    WriteBatch batch;
    batch.run_id = "r1";
    batch.histograms = histograms;
    absl::StatusOr<WriteResult> result = store_->Write(batch);
    EXPECT_TRUE(result.ok()) << result.status();
    for (const Histogram& h : histograms) stored_.try_emplace(h.step, h);
    return result.ok() ? *result : WriteResult{};
  }

  WriteResult WriteSteps(const std::vector<int64_t>& steps, uint64_t salt = 0) {
    std::vector<Histogram> histograms;
    for (int64_t s : steps) histograms.push_back(MakeHistogram("a", s, 0, salt));
    return Write(histograms);
  }

  static Heatmap Read(SqliteStore* store, int64_t from, int64_t to, uint32_t columns) {
    HeatmapQuery q;
    q.run_id = "r1";
    q.layer = "a";
    q.from_step = from;
    q.to_step = to;
    q.max_columns = columns;
    absl::StatusOr<Heatmap> heatmap = store->ReadHeatmap(q);
    EXPECT_TRUE(heatmap.ok()) << heatmap.status();
    return heatmap.ok() ? *heatmap : Heatmap{};
  }

  // Heatmaps from summaries, from segments only, and computed here agree, over ranges and
  // column counts that read every summary level.
  void ExpectExactHeatmaps() {
    const int64_t last = stored_.rbegin()->first;
    for (auto [from, to, columns] :
         std::vector<std::tuple<int64_t, int64_t, uint32_t>>{{0, -1, 10000},
                                                             {0, -1, 1000},
                                                             {0, -1, 37},
                                                             {0, -1, 5},
                                                             {0, -1, 1},
                                                             {0, 1299, 1300},
                                                             {0, 1299, 20},
                                                             {3, 5000, 9},
                                                             {500, 70000, 9},
                                                             {1000, last - 1, 3}}) {
      SCOPED_TRACE(::testing::Message() << from << ".." << to << " in " << columns);
      const Heatmap expected = ExpectedHeatmap(stored_, from, to, columns);
      ASSERT_FALSE(expected.columns.empty());
      ExpectSameColumns(Read(store_.get(), from, to, columns), expected);
      ExpectSameColumns(Read(raw_.get(), from, to, columns), expected);
    }
  }

  // Every series' segments, by first step: none overlaps the next, none holds more than
  // `max_steps` steps, and together they hold stored_.size() steps.
  void ExpectSegmentsAreDisjoint(int64_t max_steps) {
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(path_, true, "NORMAL");
    ASSERT_TRUE(conn.ok()) << conn.status();
    absl::StatusOr<Statement> stmt = (*conn)->Prepare(
        "SELECT first_step, last_step, count FROM segments ORDER BY series_id, first_step");
    ASSERT_TRUE(stmt.ok()) << stmt.status();
    int64_t previous_last = -1;
    int64_t total = 0;
    for (;;) {
      absl::StatusOr<bool> row = stmt->Step();
      ASSERT_TRUE(row.ok()) << row.status();
      if (!*row) break;
      EXPECT_GT(stmt->Int(0), previous_last);
      EXPECT_LE(stmt->Int(0), stmt->Int(1));
      EXPECT_LE(stmt->Int(2), max_steps);
      previous_last = stmt->Int(1);
      total += stmt->Int(2);
    }
    EXPECT_EQ(total, static_cast<int64_t>(stored_.size()));
  }

  ::actiscope::testing::TempDir dir_{"late_frames_test"};
  const std::string path_ = (std::filesystem::path(dir_.path()) / "test.db").string();
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<SqliteStore> raw_;
  std::map<int64_t, Histogram> stored_;
};

// Dense steps 0..1299 (level 0 and 1 buckets) and sparse ones up to 300,000 (past level 2, 3
// and 4 bucket boundaries, leaving buckets without steps between them).
std::vector<int64_t> SpreadSteps() {
  std::vector<int64_t> steps;
  for (int64_t s = 0; s < 1300; ++s) steps.push_back(s);
  for (int64_t s = 1300; s < 300000; s += 611) steps.push_back(s);
  return steps;
}

TEST_F(LateFramesTest, LateFrameBelowTheLastStepIsStored) {
  std::vector<int64_t> steps = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20};
  EXPECT_EQ(WriteSteps(steps).histograms_stored, 12u);
  const WriteResult late = WriteSteps({15});
  EXPECT_EQ(late.histograms_stored, 1u);
  EXPECT_EQ(late.histograms_ignored, 0u);
  EXPECT_EQ(late.histograms_conflicting, 0u);
  const Heatmap heatmap = Read(store_.get(), 0, -1, 1000);
  ASSERT_EQ(heatmap.columns.size(), 13u);
  EXPECT_EQ(heatmap.columns[11].step_from, 15);
  EXPECT_EQ(heatmap.columns[11].sums.counts, MakeHistogram("a", 15).values.counts);
  ExpectSameColumns(heatmap, ExpectedHeatmap(stored_, 0, -1, 1000));
  // Before the first stored step too; the run's step range follows.
  EXPECT_EQ(WriteSteps({30, 25}).histograms_stored, 2u);
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->last_step, 30);
  ExpectSameColumns(Read(store_.get(), 0, -1, 1000), ExpectedHeatmap(stored_, 0, -1, 1000));
  ExpectSegmentsAreDisjoint(1024);
}

TEST_F(LateFramesTest, StepsBeforeTheFirstStoredOneAreStored) {
  EXPECT_EQ(WriteSteps({10, 11, 12}).histograms_stored, 3u);
  EXPECT_EQ(WriteSteps({3, 0}).histograms_stored, 2u);
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->first_step, 0);
  EXPECT_EQ(run->last_step, 12);
  ExpectSameColumns(Read(store_.get(), 0, -1, 1000), ExpectedHeatmap(stored_, 0, -1, 1000));
  ExpectSegmentsAreDisjoint(1024);
}

TEST_F(LateFramesTest, StepsInReverseOrderAreStoredExactly) {
  Open(/*max_segment_steps=*/16);
  std::vector<int64_t> steps = SpreadSteps();
  std::reverse(steps.begin(), steps.end());
  // Batches of 5, each descending too.
  for (size_t i = 0; i < steps.size(); i += 5) {
    const std::vector<int64_t> batch(steps.begin() + i,
                                     steps.begin() + std::min(i + 5, steps.size()));
    ASSERT_EQ(WriteSteps(batch).histograms_stored, batch.size()) << batch.front();
  }
  ExpectExactHeatmaps();
  ExpectSegmentsAreDisjoint(16);
}

TEST_F(LateFramesTest, StepsInRandomOrderAreStoredExactlyAcrossRestarts) {
  Open(/*max_segment_steps=*/16);
  std::vector<int64_t> steps = SpreadSteps();
  std::mt19937 rng(20240611);
  std::shuffle(steps.begin(), steps.end(), rng);
  bool reopened = false;
  for (size_t i = 0; i < steps.size();) {
    if (!reopened && i >= steps.size() / 2) {
      Open(16);  // Halfway: the series' state is reloaded from the database.
      ExpectExactHeatmaps();
      reopened = true;
    }
    const size_t n = std::min<size_t>(1 + rng() % 24, steps.size() - i);
    const std::vector<int64_t> batch(steps.begin() + i, steps.begin() + i + n);
    ASSERT_EQ(WriteSteps(batch).histograms_stored, n);
    i += n;
  }
  ExpectExactHeatmaps();
  ExpectSegmentsAreDisjoint(16);
  // Steps past the last one seal the open buckets that late steps were added to.
  std::vector<int64_t> more;
  for (int64_t s = 300000; s < 301000; ++s) more.push_back(s);
  EXPECT_EQ(WriteSteps(more).histograms_stored, more.size());
  ExpectExactHeatmaps();
  ExpectSegmentsAreDisjoint(16);
}

TEST_F(LateFramesTest, IdenticalResendIsIgnoredAndADifferingFrameConflicts) {
  EXPECT_EQ(WriteSteps({0, 1, 2, 3, 4, 5, 20}).histograms_stored, 7u);
  // Re-sends of stored steps, above and below the last, and one with other counts.
  const WriteResult again =
      Write({MakeHistogram("a", 3), MakeHistogram("a", 20), MakeHistogram("a", 4, 0, /*salt=*/1)});
  EXPECT_EQ(again.histograms_stored, 0u);
  EXPECT_EQ(again.histograms_ignored, 2u);
  EXPECT_EQ(again.histograms_conflicting, 1u);
  // Within one batch the first frame of a step wins: for a new step, a late one and a stored
  // one alike.
  const WriteResult twice = Write({MakeHistogram("a", 30, 0, 1), MakeHistogram("a", 30, 0, 2),
                                   MakeHistogram("a", 30, 0, 1), MakeHistogram("a", 10, 0, 1),
                                   MakeHistogram("a", 10, 0, 1), MakeHistogram("a", 10),
                                   MakeHistogram("a", 5, 0, 2), MakeHistogram("a", 5)});
  EXPECT_EQ(twice.histograms_stored, 2u);
  EXPECT_EQ(twice.histograms_ignored, 3u);
  EXPECT_EQ(twice.histograms_conflicting, 3u);
  ExpectSameColumns(Read(store_.get(), 0, -1, 1000), ExpectedHeatmap(stored_, 0, -1, 1000));
  const Heatmap heatmap = Read(store_.get(), 0, -1, 1000);
  ASSERT_EQ(heatmap.columns.size(), 9u);
  EXPECT_EQ(heatmap.columns[4].sums.counts, MakeHistogram("a", 4).values.counts);
  EXPECT_EQ(heatmap.columns[6].sums.counts, MakeHistogram("a", 10, 0, 1).values.counts);
  EXPECT_EQ(heatmap.columns[8].sums.counts, MakeHistogram("a", 30, 0, 1).values.counts);
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->conflicting_frames, 4u);
  EXPECT_EQ(run->rejected_frames, 0u);
  EXPECT_EQ(run->dropped_frames, 0u);
}

TEST_F(LateFramesTest, ResendOfSumsThatFloat32RoundsIsIgnored) {
  // Segments keep sum and sum_squares as float32: 0.1 comes back as another double, and the
  // re-sent frame still compares equal; a sum that differs in float32 conflicts.
  Histogram h = MakeHistogram("a", 7);
  h.values.sum = 0.1;
  h.values.sum_squares = 1.0 / 3;
  EXPECT_EQ(Write({h, MakeHistogram("a", 8)}).histograms_stored, 2u);
  EXPECT_EQ(Write({h}).histograms_ignored, 1u);
  h.values.sum = 0.2;
  EXPECT_EQ(Write({h}).histograms_conflicting, 1u);
}

TEST_F(LateFramesTest, RejectedFramesAccumulateOnTheRun) {
  WriteBatch batch;
  batch.run_id = "r1";
  batch.rejected_frames = 3;
  batch.dropped_frames = 1;
  ASSERT_TRUE(store_->Write(batch).ok());
  batch.rejected_frames = 4;
  batch.dropped_frames = 0;
  batch.histograms = {MakeHistogram("a", 0)};
  ASSERT_TRUE(store_->Write(batch).ok());
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->rejected_frames, 7u);
  EXPECT_EQ(run->dropped_frames, 1u);
  EXPECT_EQ(run->conflicting_frames, 0u);
  absl::StatusOr<std::vector<RunInfo>> runs = store_->ListRuns(RunListQuery{});
  ASSERT_TRUE(runs.ok()) << runs.status();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].rejected_frames, 7u);
}

// Straight on an IngestWriter and the writer connection, to reach what the store hides.
class IngestWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<Connection>> conn = Connection::Open(path_, false, "NORMAL");
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    ASSERT_TRUE(MigrateSchema(conn_.get()).ok());
    ASSERT_TRUE(conn_
                    ->Exec("INSERT INTO runs(run_id, name, config, host, device, world_size, "
                           "start_time_us, last_update_us, status, status_message, first_step, "
                           "last_step, dropped_frames) "
                           "VALUES('r1', '', x'', '', '', 2, 0, 0, 1, '', -1, -1, 0)")
                    .ok());
    run_key_ = sqlite3_last_insert_rowid(conn_->raw());
  }

  static WriteBatch Batch(const std::string& run, const std::string& layer, int64_t from,
                          int64_t to, uint32_t rank = 0, uint64_t salt = 0) {
    WriteBatch batch;
    batch.run_id = run;
    for (int64_t s = from; s <= to; ++s) {
      batch.histograms.push_back(MakeHistogram(layer, s, rank, salt));
      batch.scalars.push_back(ScalarPoint{"loss", s, rank, static_cast<double>(s)});
    }
    return batch;
  }

  std::vector<absl::StatusOr<WriteResult>> WriteGroup(const std::vector<WriteBatch>& batches) {
    std::vector<const WriteBatch*> pointers;
    for (const WriteBatch& b : batches) pointers.push_back(&b);
    return writer_.WriteGroup(conn_.get(), pointers);
  }

  absl::StatusOr<Heatmap> Read(const std::string& layer, std::optional<uint32_t> rank,
                               bool segments_only, uint32_t columns = 10000) {
    HeatmapQuery q;
    q.run_id = "r1";
    q.layer = layer;
    q.max_columns = columns;
    q.rank = rank;
    return QueryHeatmap(conn_.get(), run_key_, q, QueryLimits{}, segments_only);
  }

  // Heatmaps of (layer, rank) from summaries and from segments agree with `expected`.
  void ExpectHeatmap(const std::string& layer, std::optional<uint32_t> rank,
                     const std::map<int64_t, Histogram>& expected) {
    for (uint32_t columns : {10000u, 7u}) {
      for (bool segments_only : {false, true}) {
        SCOPED_TRACE(::testing::Message() << layer << " in " << columns << " columns"
                                          << (segments_only ? " from segments" : ""));
        absl::StatusOr<Heatmap> heatmap = Read(layer, rank, segments_only, columns);
        ASSERT_TRUE(heatmap.ok()) << heatmap.status();
        ExpectSameColumns(*heatmap, ExpectedHeatmap(expected, 0, -1, columns));
      }
    }
  }

  RunInfo Run() {
    absl::StatusOr<RunInfo> run = QueryRun(conn_.get(), "r1", absl::Hours(1));
    EXPECT_TRUE(run.ok()) << run.status();
    return run.ok() ? *run : RunInfo{};
  }

  // (rank, last scalar step) of each rank with scalars.
  std::map<int64_t, int64_t> LastScalarSteps() {
    std::map<int64_t, int64_t> last;
    absl::StatusOr<Statement> stmt =
        conn_->Prepare("SELECT rank, max(step) FROM scalars GROUP BY rank");
    EXPECT_TRUE(stmt.ok()) << stmt.status();
    while (stmt.ok() && stmt->Step().value_or(false)) last[stmt->Int(0)] = stmt->Int(1);
    return last;
  }

  ::actiscope::testing::TempDir dir_{"ingest_writer_test"};
  const std::string path_ = (std::filesystem::path(dir_.path()) / "test.db").string();
  std::unique_ptr<Connection> conn_;
  int64_t run_key_ = 0;
  IngestWriter writer_{IngestLimits{}};
};

std::map<int64_t, Histogram> Steps(const std::string& layer, int64_t from, int64_t to,
                                   uint32_t rank = 0, uint64_t salt = 0) {
  std::map<int64_t, Histogram> steps;
  for (int64_t s = from; s <= to; ++s) steps.emplace(s, MakeHistogram(layer, s, rank, salt));
  return steps;
}

TEST_F(IngestWriterTest, DeleteFromStepOfOneRankKeepsTheOtherRanks) {
  for (const absl::StatusOr<WriteResult>& r :
       WriteGroup({Batch("r1", "a", 0, 600, 0), Batch("r1", "a", 0, 600, 1)})) {
    ASSERT_TRUE(r.ok()) << r.status();
  }
  {
    absl::StatusOr<Transaction> txn = Transaction::Begin(conn_.get(), true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(writer_.DeleteFromStep(conn_.get(), run_key_, 150, 1).ok());
    ASSERT_TRUE(txn->Commit().ok());
    writer_.ForgetRun("r1");
  }
  ExpectHeatmap("a", 0, Steps("a", 0, 600, 0));
  ExpectHeatmap("a", 1, Steps("a", 0, 149, 1));
  EXPECT_EQ(LastScalarSteps(), (std::map<int64_t, int64_t>{{0, 600}, {1, 149}}));
  EXPECT_EQ(Run().first_step, 0);
  EXPECT_EQ(Run().last_step, 600);
  // The resumed rank's new frames are stored, not ignored.
  std::vector<absl::StatusOr<WriteResult>> resumed = WriteGroup({Batch("r1", "a", 150, 600, 1, 9)});
  ASSERT_TRUE(resumed[0].ok()) << resumed[0].status();
  EXPECT_EQ(resumed[0]->histograms_stored, 451u);
  std::map<int64_t, Histogram> rank1 = Steps("a", 0, 149, 1);
  rank1.merge(Steps("a", 150, 600, 1, 9));
  ExpectHeatmap("a", 1, rank1);

  // Without a rank: the whole run.
  {
    absl::StatusOr<Transaction> txn = Transaction::Begin(conn_.get(), true);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(writer_.DeleteFromStep(conn_.get(), run_key_, 100, std::nullopt).ok());
    ASSERT_TRUE(txn->Commit().ok());
    writer_.ForgetRun("r1");
  }
  ExpectHeatmap("a", 0, Steps("a", 0, 99, 0));
  ExpectHeatmap("a", 1, Steps("a", 0, 99, 1));
  EXPECT_EQ(LastScalarSteps(), (std::map<int64_t, int64_t>{{0, 99}, {1, 99}}));
  EXPECT_EQ(Run().last_step, 99);
}

// Denies reading table `series`, which only Prepare does (to find a series it has not cached).
int DenySeriesReads(void*, int action, const char* table, const char*, const char*, const char*) {
  return action == SQLITE_READ && table != nullptr && std::strcmp(table, "series") == 0
             ? SQLITE_DENY
             : SQLITE_OK;
}

TEST_F(IngestWriterTest, AnSqliteErrorInPrepareFailsTheWholeGroup) {
  std::vector<absl::StatusOr<WriteResult>> results = WriteGroup({Batch("r1", "a", 0, 9)});
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  // A batch's own error fails that batch only.
  results = WriteGroup({Batch("r1", "a", 10, 14), Batch("nope", "a", 0, 1)});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].ok()) << results[0].status();
  EXPECT_EQ(results[1].status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(IsStoreError(results[1].status()));

  // Series "a" is cached, so only the second batch (new series "b") reads table series.
  sqlite3_set_authorizer(conn_->raw(), DenySeriesReads, nullptr);
  const std::vector<WriteBatch> group = {Batch("r1", "a", 15, 29), Batch("r1", "b", 0, 9)};
  results = WriteGroup(group);
  sqlite3_set_authorizer(conn_->raw(), nullptr, nullptr);
  ASSERT_EQ(results.size(), 2u);
  for (const absl::StatusOr<WriteResult>& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(IsStoreError(r.status())) << r.status();
  }
  // Nothing of either batch is stored.
  ExpectHeatmap("a", std::nullopt, Steps("a", 0, 14));
  EXPECT_EQ(Read("b", std::nullopt, false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Run().last_step, 14);
  EXPECT_EQ(LastScalarSteps(), (std::map<int64_t, int64_t>{{0, 14}}));

  // The same group again stores everything, once.
  results = WriteGroup(group);
  ASSERT_EQ(results.size(), 2u);
  for (const absl::StatusOr<WriteResult>& r : results) {
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->histograms_ignored, 0u);
  }
  EXPECT_EQ(results[0]->histograms_stored, 15u);
  EXPECT_EQ(results[1]->histograms_stored, 10u);
  ExpectHeatmap("a", std::nullopt, Steps("a", 0, 29));
  ExpectHeatmap("b", std::nullopt, Steps("b", 0, 9));
  results = WriteGroup(group);
  EXPECT_EQ(results[0]->histograms_ignored, 15u);
  EXPECT_EQ(results[1]->histograms_ignored, 10u);
}

TEST_F(IngestWriterTest, AFullDatabaseFailsTheWholeGroupAsResourceExhausted) {
  std::vector<absl::StatusOr<WriteResult>> results = WriteGroup({Batch("r1", "a", 0, 9)});
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  int64_t page_count = 0;
  {
    absl::StatusOr<Statement> pages = conn_->Prepare("PRAGMA page_count");
    ASSERT_TRUE(pages.ok() && pages->Step().value_or(false));
    page_count = pages->Int(0);
  }
  // The database may not grow: every new page is SQLITE_FULL.
  ASSERT_TRUE(conn_->Exec(absl::StrCat("PRAGMA max_page_count=", page_count)).ok());
  // The second batch needs many new pages: 200 new series.
  WriteBatch big;
  big.run_id = "r1";
  for (int layer = 0; layer < 200; ++layer) {
    for (int64_t s = 0; s < 50; ++s) {
      big.histograms.push_back(MakeHistogram(absl::StrCat("big", layer), s));
    }
  }
  const std::vector<WriteBatch> group = {Batch("r1", "a", 10, 19), big};
  results = WriteGroup(group);
  ASSERT_EQ(results.size(), 2u);
  for (const absl::StatusOr<WriteResult>& r : results) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kResourceExhausted) << r.status();
    EXPECT_THAT(r.status().message(), HasSubstr("--max_database_bytes"));
    EXPECT_TRUE(IsStoreError(r.status()));
  }
  ExpectHeatmap("a", std::nullopt, Steps("a", 0, 9));
  EXPECT_EQ(Read("big0", std::nullopt, false).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Run().last_step, 9);

  ASSERT_TRUE(conn_->Exec("PRAGMA max_page_count=1000000").ok());
  results = WriteGroup(group);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_TRUE(results[0].ok()) << results[0].status();
  ASSERT_TRUE(results[1].ok()) << results[1].status();
  EXPECT_EQ(results[0]->histograms_stored, 10u);
  EXPECT_EQ(results[1]->histograms_stored, 10000u);
  ExpectHeatmap("a", std::nullopt, Steps("a", 0, 19));
  ExpectHeatmap("big199", std::nullopt, Steps("big199", 0, 49));
}

}  // namespace
}  // namespace actiscope::server
