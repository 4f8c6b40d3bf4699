#include "server/store/sqlite_store.h"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <thread>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void TearDown() override { store_.reset(); }

  void Reopen(bool segments_only = false) {
    store_.reset();
    StoreOptions options;
    options.path = (dir_ / "test.db").string();
    options.durable_against_power_loss = false;
    options.heatmap_from_segments_only = segments_only;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // With `resume_from_step`, a whole-run resume with a new resume id.
  void CreateRun(const std::string& id, std::optional<int64_t> resume_from_step = std::nullopt) {
    RunInfo run;
    run.run_id = id;
    run.name = "name-" + id;
    run.config = {{"lr", "0.1"}, {"model", "mlp"}};
    run.start_time = absl::Now();
    std::optional<ResumeRequest> resume;
    if (resume_from_step.has_value()) {
      resume = ResumeRequest{"resume-" + std::to_string(++resumes_), *resume_from_step, 0, true};
    }
    ASSERT_TRUE(store_->CreateRun(run, resume).ok());
  }

  static Histogram MakeHistogram(const std::string& layer, int64_t step, uint32_t rank = 0,
                                 uint64_t salt = 0) {
    Histogram h;
    h.layer = layer;
    h.kind = Kind::kActivation;
    h.step = step;
    h.rank = rank;
    h.layout = BinLayout{BinScale::kLinear, 8, -1.0, 1.0};
    h.values.counts.resize(8);
    for (uint32_t b = 0; b < 8; ++b) {
      h.values.counts[b] = (static_cast<uint64_t>(step) * 7 + b * 13 + rank + salt) % 50;
      h.values.elements += h.values.counts[b];
    }
    h.values.below = static_cast<uint64_t>(step) % 3;
    h.values.elements += h.values.below;
    h.values.zeros = 1;
    h.values.min = -0.5f - static_cast<float>(step % 5);
    h.values.max = 0.25f * static_cast<float>(step % 9);
    h.values.sum = 0.5 * static_cast<double>(step % 11);
    h.values.sum_squares = 2.0 * static_cast<double>(step % 13);
    return h;
  }

  WriteResult WriteSteps(const std::string& run, const std::string& layer, int64_t from, int64_t to,
                         uint32_t rank = 0, uint64_t salt = 0) {
    WriteBatch batch;
    batch.run_id = run;
    for (int64_t s = from; s <= to; ++s)
      batch.histograms.push_back(MakeHistogram(layer, s, rank, salt));
    absl::StatusOr<WriteResult> result = store_->Write(batch);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : WriteResult{};
  }

  Heatmap ReadHeatmap(const std::string& run, const std::string& layer, int64_t from = 0,
                      int64_t to = -1, uint32_t columns = 1000,
                      std::optional<uint32_t> rank = std::nullopt) {
    HeatmapQuery q;
    q.run_id = run;
    q.layer = layer;
    q.from_step = from;
    q.to_step = to;
    q.max_columns = columns;
    q.rank = rank;
    absl::StatusOr<Heatmap> heatmap = store_->ReadHeatmap(q);
    EXPECT_TRUE(heatmap.ok()) << heatmap.status();
    return heatmap.ok() ? *heatmap : Heatmap{};
  }

  static void ExpectSameHeatmap(const Heatmap& a, const Heatmap& b) {
    ASSERT_EQ(a.columns.size(), b.columns.size());
    EXPECT_EQ(a.bin_edges, b.bin_edges);
    for (size_t i = 0; i < a.columns.size(); ++i) {
      const HeatmapColumn& x = a.columns[i];
      const HeatmapColumn& y = b.columns[i];
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
      EXPECT_NEAR(x.sums.sum, y.sums.sum, 1e-9 * (1 + std::abs(x.sums.sum))) << i;
      EXPECT_NEAR(x.sums.sum_squares, y.sums.sum_squares, 1e-9 * (1 + x.sums.sum_squares)) << i;
    }
  }

  ::actiscope::testing::TempDir temp_dir_{"store_test"};
  const std::filesystem::path dir_{temp_dir_.path()};
  std::unique_ptr<SqliteStore> store_;
  int resumes_ = 0;
};

TEST_F(SqliteStoreTest, CreateRunIsIdempotentAndGetRunReadsItBack) {
  CreateRun("r1");
  RunInfo again;
  again.run_id = "r1";
  again.name = "other";
  absl::StatusOr<bool> created = store_->CreateRun(again, std::nullopt);
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(*created);
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->name, "name-r1");
  EXPECT_EQ(run->config.at("model"), "mlp");
  EXPECT_EQ(run->status, RunStatus::kLive);
  EXPECT_EQ(run->first_step, -1);
  EXPECT_EQ(store_->GetRun("nope").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, WriteMaintainsStepRangeAndDroppedFrames) {
  CreateRun("r1");
  WriteBatch batch;
  batch.run_id = "r1";
  batch.histograms = {MakeHistogram("a", 5), MakeHistogram("a", 6)};
  batch.scalars = {ScalarPoint{"loss", 7, 0, 1.5}};
  batch.dropped_frames = 3;
  ASSERT_TRUE(store_->Write(batch).ok());
  batch.histograms.clear();
  batch.scalars.clear();
  batch.dropped_frames = 2;
  ASSERT_TRUE(store_->Write(batch).ok());
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->first_step, 5);
  EXPECT_EQ(run->last_step, 7);
  EXPECT_EQ(run->dropped_frames, 5u);
}

TEST_F(SqliteStoreTest, RepushedFrameIsStoredOnce) {
  CreateRun("r1");
  EXPECT_EQ(WriteSteps("r1", "a", 0, 9).histograms_stored, 10u);
  const WriteResult again = WriteSteps("r1", "a", 5, 12);
  EXPECT_EQ(again.histograms_stored, 3u);
  EXPECT_EQ(again.histograms_ignored, 5u);
  const Heatmap heatmap = ReadHeatmap("r1", "a");
  ASSERT_EQ(heatmap.columns.size(), 13u);
  for (const HeatmapColumn& c : heatmap.columns) EXPECT_EQ(c.histograms, 1u);
}

TEST_F(SqliteStoreTest, HeatmapColumnSumsConsecutiveSteps) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 9);
  const Heatmap heatmap = ReadHeatmap("r1", "a", 0, -1, 5);
  ASSERT_EQ(heatmap.columns.size(), 5u);
  ASSERT_EQ(heatmap.bin_edges.size(), 9u);
  EXPECT_DOUBLE_EQ(heatmap.bin_edges.front(), -1.0);
  EXPECT_DOUBLE_EQ(heatmap.bin_edges.back(), 1.0);
  const HeatmapColumn& c = heatmap.columns[1];
  EXPECT_EQ(c.step_from, 2);
  EXPECT_EQ(c.step_to, 3);
  EXPECT_EQ(c.histograms, 2u);
  const Histogram h2 = MakeHistogram("a", 2);
  const Histogram h3 = MakeHistogram("a", 3);
  EXPECT_EQ(c.sums.counts[4], h2.values.counts[4] + h3.values.counts[4]);
  EXPECT_EQ(c.sums.elements, h2.values.elements + h3.values.elements);
  EXPECT_EQ(c.sums.min, std::min(h2.values.min, h3.values.min));
  EXPECT_EQ(c.sums.max, std::max(h2.values.max, h3.values.max));
  EXPECT_DOUBLE_EQ(c.sums.sum, h2.values.sum + h3.values.sum);
}

TEST_F(SqliteStoreTest, HeatmapMergesRanksOrReadsOne) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 3, 0);
  WriteSteps("r1", "a", 0, 3, 1);
  const Heatmap merged = ReadHeatmap("r1", "a");
  const Heatmap rank1 = ReadHeatmap("r1", "a", 0, -1, 1000, 1);
  ASSERT_EQ(merged.columns.size(), 4u);
  ASSERT_EQ(rank1.columns.size(), 4u);
  EXPECT_EQ(merged.columns[2].histograms, 2u);
  EXPECT_EQ(merged.columns[2].sums.counts[0],
            MakeHistogram("a", 2, 0).values.counts[0] + MakeHistogram("a", 2, 1).values.counts[0]);
  EXPECT_EQ(rank1.columns[2].sums.counts, MakeHistogram("a", 2, 1).values.counts);
}

// Query limits are checked by the edges (query_validation_test.cc), the cell cap in
// heatmap_query_test.cc.
TEST_F(SqliteStoreTest, HeatmapOfAMissingRunLayerOrKindIsNotFound) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 3);
  HeatmapQuery q;
  q.run_id = "r1";
  q.layer = "missing";
  EXPECT_EQ(store_->ReadHeatmap(q).status().code(), absl::StatusCode::kNotFound);
  q.layer = "a";
  q.kind = Kind::kGradient;
  EXPECT_EQ(store_->ReadHeatmap(q).status().code(), absl::StatusCode::kNotFound);
  q.kind = Kind::kActivation;
  q.run_id = "nope";
  EXPECT_EQ(store_->ReadHeatmap(q).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, DifferentLayoutRejectsTheWholeBatch) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 3);
  WriteBatch batch;
  batch.run_id = "r1";
  batch.histograms = {MakeHistogram("b", 0), MakeHistogram("a", 4)};
  batch.histograms[1].layout.hi = 2.0;
  EXPECT_EQ(store_->Write(batch).status().code(), absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<LayerInfo>> layers = store_->ListLayers("r1");
  ASSERT_TRUE(layers.ok());
  EXPECT_EQ(layers->size(), 1u);
  EXPECT_EQ(ReadHeatmap("r1", "a").columns.size(), 4u);
}

TEST_F(SqliteStoreTest, NewRankMustUseTheProbesLayout) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 3, 0);
  WriteBatch batch;
  batch.run_id = "r1";
  batch.histograms = {MakeHistogram("a", 0, 1)};
  batch.histograms[0].layout.lo = -2.0;
  EXPECT_EQ(store_->Write(batch).status().code(), absl::StatusCode::kInvalidArgument);
  // Two new ranks of a new probe in one batch must agree too.
  batch.histograms = {MakeHistogram("b", 0, 0), MakeHistogram("b", 0, 1)};
  batch.histograms[1].layout.hi = 3.0;
  EXPECT_EQ(store_->Write(batch).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(SqliteStoreTest, HeatmapPastTheLastStepIsEmpty) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 9);
  const Heatmap heatmap = ReadHeatmap("r1", "a", 50, -1);
  EXPECT_TRUE(heatmap.columns.empty());
  EXPECT_EQ(heatmap.bin_edges.size(), 9u);
  EXPECT_EQ(ReadHeatmap("r1", "a", 5, 500).columns.size(), 5u);
}

// The store checks only what its format needs (ingest_writer.h); names, kinds, steps, layouts
// and counts against stats are the gRPC edge's (server/grpc/push_bad_input_test.cc).
TEST_F(SqliteStoreTest, CountsNotFittingTheLayoutAndUnknownRunsAreRejected) {
  CreateRun("r1");
  WriteBatch batch;
  batch.run_id = "r1";
  batch.histograms = {MakeHistogram("b", 0), MakeHistogram("a", 0)};
  batch.histograms[1].values.counts.pop_back();
  const absl::Status short_counts = store_->Write(batch).status();
  EXPECT_EQ(short_counts.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(short_counts.message().find("histogram 1 (layer 'a', step 0): 7 counts for 8 bins"),
            absl::string_view::npos)
      << short_counts;
  EXPECT_TRUE(store_->ListLayers("r1")->empty());
  batch.histograms = {MakeHistogram("a", 0)};
  batch.run_id = "nope";
  EXPECT_EQ(store_->Write(batch).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->GetRun("r1")->last_step, -1);
}

TEST_F(SqliteStoreTest, ListLayersKeepsFirstReportedOrder) {
  CreateRun("r1");
  WriteBatch batch;
  batch.run_id = "r1";
  for (const char* layer : {"zeta", "alpha", "mid"})
    batch.histograms.push_back(MakeHistogram(layer, 0));
  batch.histograms.push_back(MakeHistogram("alpha", 0, 2));
  Histogram grad = MakeHistogram("zeta", 0);
  grad.kind = Kind::kGradient;
  batch.histograms.push_back(grad);
  ASSERT_TRUE(store_->Write(batch).ok());
  absl::StatusOr<std::vector<LayerInfo>> layers = store_->ListLayers("r1");
  ASSERT_TRUE(layers.ok());
  ASSERT_EQ(layers->size(), 3u);
  EXPECT_EQ((*layers)[0].name, "zeta");
  EXPECT_EQ((*layers)[1].name, "alpha");
  EXPECT_EQ((*layers)[2].name, "mid");
  EXPECT_EQ((*layers)[0].kinds, (std::vector<Kind>{Kind::kActivation, Kind::kGradient}));
  EXPECT_EQ((*layers)[1].ranks, (std::vector<uint32_t>{0, 2}));
}

TEST_F(SqliteStoreTest, SummariesGiveTheSameHeatmapAsRawSegments) {
  CreateRun("r1");
  // Uneven batches, two ranks, a gap: buckets of several levels seal at odd places.
  for (int64_t s = 0; s < 40000; s += 997) {
    WriteSteps("r1", "a", s, std::min<int64_t>(s + 996, 39999), 0);
    WriteSteps("r1", "a", s, std::min<int64_t>(s + 996, 39999), 1, 3);
  }
  WriteSteps("r1", "a", 45000, 45100);
  for (auto [from, to, cols] : std::vector<std::tuple<int64_t, int64_t, uint32_t>>{
           {0, -1, 100}, {0, -1, 7}, {123, 39000, 50}, {5000, 45050, 1000}, {100, 200, 10}}) {
    SCOPED_TRACE(::testing::Message() << from << ".." << to << " in " << cols);
    Reopen(false);
    const Heatmap summarized = ReadHeatmap("r1", "a", from, to, cols);
    Reopen(true);
    const Heatmap raw = ReadHeatmap("r1", "a", from, to, cols);
    ASSERT_FALSE(raw.columns.empty());
    ExpectSameHeatmap(summarized, raw);
  }
}

TEST_F(SqliteStoreTest, RestartKeepsEverything) {
  CreateRun("r1");
  for (int64_t s = 0; s < 3000; s += 100) WriteSteps("r1", "a", s, s + 99);
  const Heatmap before = ReadHeatmap("r1", "a", 0, -1, 30);
  Reopen();
  ExpectSameHeatmap(ReadHeatmap("r1", "a", 0, -1, 30), before);
  // Ingest continues where it stopped, with the open buckets rebuilt.
  WriteSteps("r1", "a", 3000, 5000);
  EXPECT_EQ(WriteSteps("r1", "a", 4990, 5000).histograms_ignored, 11u);
  const Heatmap summarized = ReadHeatmap("r1", "a", 0, -1, 40);
  Reopen(true);
  ExpectSameHeatmap(summarized, ReadHeatmap("r1", "a", 0, -1, 40));
}

TEST_F(SqliteStoreTest, ResumeReplacesStepsFromTheResumePoint) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 1000);
  WriteBatch scalars;
  scalars.run_id = "r1";
  for (int64_t s = 0; s <= 1000; ++s) scalars.scalars.push_back(ScalarPoint{"loss", s, 0, 1.0});
  ASSERT_TRUE(store_->Write(scalars).ok());
  CreateRun("r1", 700);
  EXPECT_EQ(store_->GetRun("r1")->last_step, 699);
  // The resumed trainer's frames replace the old ones (salt changes the counts).
  EXPECT_EQ(WriteSteps("r1", "a", 700, 800, 0, 5).histograms_stored, 101u);
  const Heatmap heatmap = ReadHeatmap("r1", "a", 0, -1, QueryLimits{}.max_heatmap_columns);
  ASSERT_EQ(heatmap.columns.size(), 801u);
  EXPECT_EQ(heatmap.columns[750].sums.counts, MakeHistogram("a", 750, 0, 5).values.counts);
  EXPECT_EQ(heatmap.columns[699].sums.counts, MakeHistogram("a", 699).values.counts);
  const Heatmap summarized = ReadHeatmap("r1", "a", 0, -1, 3);
  Reopen(true);
  ExpectSameHeatmap(summarized, ReadHeatmap("r1", "a", 0, -1, 3));
  ScalarQuery q;
  q.run_id = "r1";
  absl::StatusOr<std::vector<ScalarSeries>> loss = store_->ReadScalars(q);
  ASSERT_TRUE(loss.ok());
  ASSERT_EQ(loss->size(), 1u);
  EXPECT_EQ((*loss)[0].steps.back(), 699);
}

TEST_F(SqliteStoreTest, SmallBatchesAppendToTheTailSegment) {
  CreateRun("r1");
  for (int64_t s = 0; s < 150; s += 3) WriteSteps("r1", "a", s, s + 2);
  Reopen(true);  // The tail segment is found again after a restart.
  for (int64_t s = 150; s < 200; ++s) WriteSteps("r1", "a", s, s);
  const Heatmap heatmap = ReadHeatmap("r1", "a");
  ASSERT_EQ(heatmap.columns.size(), 200u);
  for (int64_t s = 0; s < 200; ++s) {
    EXPECT_EQ(heatmap.columns[s].step_from, s);
    EXPECT_EQ(heatmap.columns[s].sums.counts, MakeHistogram("a", s).values.counts) << s;
  }
}

TEST_F(SqliteStoreTest, ConcurrentWritersAreAllCommitted) {
  constexpr int kWriters = 8;
  for (int w = 0; w < kWriters; ++w) CreateRun("r" + std::to_string(w));
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([this, w] {
      const std::string run = "r" + std::to_string(w);
      for (int64_t s = 0; s < 400; s += 40) {
        WriteBatch batch;
        batch.run_id = run;
        for (int64_t i = s; i < s + 40; ++i) {
          batch.histograms.push_back(MakeHistogram("a", i));
          batch.histograms.push_back(MakeHistogram("b", i));
        }
        // Every other writer also sends a bad batch, which must fail alone.
        WriteBatch bad = batch;
        bad.histograms[0].values.counts.clear();
        if (w % 2 == 1) {
          EXPECT_FALSE(store_->Write(bad).ok());
        }
        absl::StatusOr<WriteResult> result = store_->Write(batch);
        ASSERT_TRUE(result.ok()) << result.status();
        EXPECT_EQ(result->histograms_stored, 80u);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int w = 0; w < kWriters; ++w) {
    const Heatmap heatmap = ReadHeatmap("r" + std::to_string(w), "b", 0, -1, 400);
    ASSERT_EQ(heatmap.columns.size(), 400u);
    EXPECT_EQ(heatmap.columns[399].sums.counts, MakeHistogram("b", 399).values.counts);
  }
}

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A file that is not actiscope's is refused with its path named and is left byte for byte as
// it was: garbage, a truncated actiscope database, and another program's SQLite database.
TEST(SqliteStoreOpenTest, ForeignOrDamagedFilesAreRefusedAndLeftUntouched) {
  actiscope::testing::TempDir dir("sqlite_store_open_test");
  const std::filesystem::path root(dir.path());
  StoreOptions options;
  options.durable_against_power_loss = false;

  options.path = (root / "garbage.db").string();
  std::mt19937 rng(3);
  std::string garbage(100000, '\0');
  for (char& c : garbage) c = static_cast<char>(rng());
  std::ofstream(options.path, std::ios::binary) << garbage;
  absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(options.path));
  EXPECT_THAT(store.status().message(), HasSubstr("move it aside"));
  EXPECT_EQ(ReadBytes(options.path), garbage);

  options.path = (root / "truncated.db").string();
  {
    auto whole = SqliteStore::Open(options);
    ASSERT_TRUE(whole.ok()) << whole.status();
  }
  std::filesystem::resize_file(options.path, 40000);
  const std::string truncated = ReadBytes(options.path);
  store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kDataLoss) << store.status();
  EXPECT_EQ(ReadBytes(options.path), truncated);

  options.path = (root / "other.db").string();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(options.path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE notes(text TEXT)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const std::string other = ReadBytes(options.path);
  store = SqliteStore::Open(options);
  EXPECT_EQ(store.status().code(), absl::StatusCode::kFailedPrecondition) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr("another program's database"));
  EXPECT_EQ(ReadBytes(options.path), other);
}

TEST_F(SqliteStoreTest, CorruptSegmentReadsAsDataLoss) {
  CreateRun("r1");
  WriteSteps("r1", "a", 0, 9);
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "test.db").string().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE segments SET data = x'0300ff'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Reopen(true);
  HeatmapQuery q;
  q.run_id = "r1";
  q.layer = "a";
  EXPECT_EQ(store_->ReadHeatmap(q).status().code(), absl::StatusCode::kDataLoss);
  // Other reads still work.
  EXPECT_TRUE(store_->GetRun("r1").ok());
}

TEST_F(SqliteStoreTest, ScalarsAverageRanksAndDownsample) {
  CreateRun("r1");
  WriteBatch batch;
  batch.run_id = "r1";
  for (int64_t s = 0; s < 100; ++s) {
    batch.scalars.push_back(ScalarPoint{"loss", s, 0, 1.0});
    batch.scalars.push_back(ScalarPoint{"loss", s, 1, 3.0});
    batch.scalars.push_back(ScalarPoint{"lr", s, 0, static_cast<double>(s)});
  }
  ASSERT_TRUE(store_->Write(batch).ok());
  ASSERT_TRUE(store_->Write(batch).ok());
  EXPECT_EQ(*store_->ListScalarNames("r1"), (std::vector<std::string>{"loss", "lr"}));
  ScalarQuery q;
  q.run_id = "r1";
  q.max_points = 10;
  absl::StatusOr<std::vector<ScalarSeries>> series = store_->ReadScalars(q);
  ASSERT_TRUE(series.ok());
  ASSERT_EQ(series->size(), 2u);
  EXPECT_EQ((*series)[0].values.size(), 10u);
  EXPECT_DOUBLE_EQ((*series)[0].values[0], 2.0);
  EXPECT_EQ((*series)[1].steps[1], 10);
  EXPECT_DOUBLE_EQ((*series)[1].values[1], 14.5);
}

TEST_F(SqliteStoreTest, FinishRunAndStalledStatus) {
  CreateRun("r1");
  CreateRun("r2");
  ASSERT_TRUE(store_->FinishRun("r1", RunStatus::kFailed, "oom").ok());
  EXPECT_EQ(store_->FinishRun("nope", RunStatus::kFinished, "").code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<RunInfo> run = store_->GetRun("r1");
  EXPECT_EQ(run->status, RunStatus::kFailed);
  EXPECT_EQ(run->status_message, "oom");
  StoreOptions options;
  options.path = (dir_ / "test.db").string();
  options.stall_after = absl::ZeroDuration();
  store_.reset();
  absl::StatusOr<std::unique_ptr<SqliteStore>> stalled = SqliteStore::Open(options);
  ASSERT_TRUE(stalled.ok());
  EXPECT_EQ((*stalled)->GetRun("r2")->status, RunStatus::kStalled);
  absl::StatusOr<std::vector<RunInfo>> runs = (*stalled)->ListRuns(RunListQuery{});
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 2u);
  EXPECT_EQ((*stalled)->ListRuns(RunListQuery{"r2"})->size(), 1u);
}

}  // namespace
}  // namespace actiscope::server
