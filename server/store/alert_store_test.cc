// SqliteStore's alerts: upsert and list, one row per episode of a series and type (the first
// and the latest kept), the runs' alert counts, and the migrations that add the alerts table
// to a version 2 file and key it by episode in a version 3 file.
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {
namespace {

class AlertStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen() {
    store_.reset();
    StoreOptions options;
    options.path = dir_.File("test.db");
    options.durable_against_power_loss = false;
    absl::StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  void CreateRun(const std::string& id) {
    RunInfo run;
    run.run_id = id;
    run.name = id;
    ASSERT_TRUE(store_->CreateRun(run, std::nullopt).ok());
  }

  static Alert MakeAlert(const std::string& run, const std::string& layer, AlertType type,
                         int64_t first_step) {
    Alert a;
    a.run_id = run;
    a.layer = layer;
    a.kind = Kind::kActivation;
    a.rank = 1;
    a.type = type;
    a.severity = AlertSeverity::kWarning;
    a.first_step = first_step;
    a.last_step = first_step + 19;
    a.value = 0.97;
    a.threshold = 0.9;
    a.message = "collapsed";
    return a;
  }

  ::actiscope::testing::TempDir dir_{"alert_store_test"};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(AlertStoreTest, UpsertedAlertsAreListedByFirstStep) {
  CreateRun("r");
  ASSERT_TRUE(store_
                  ->UpsertAlerts({MakeAlert("r", "conv5", AlertType::kCollapse, 40),
                                  MakeAlert("r", "fc", AlertType::kNonfinite, 7)})
                  .ok());
  absl::StatusOr<std::vector<Alert>> alerts = store_->ListAlerts("r");
  ASSERT_TRUE(alerts.ok()) << alerts.status();
  ASSERT_EQ(alerts->size(), 2u);
  EXPECT_EQ((*alerts)[0].layer, "fc");
  EXPECT_EQ((*alerts)[0].type, AlertType::kNonfinite);
  const Alert& collapse = (*alerts)[1];
  EXPECT_EQ(collapse.run_id, "r");
  EXPECT_EQ(collapse.rank, 1u);
  EXPECT_EQ(collapse.kind, Kind::kActivation);
  EXPECT_EQ(collapse.severity, AlertSeverity::kWarning);
  EXPECT_EQ(collapse.first_step, 40);
  EXPECT_EQ(collapse.last_step, 59);
  EXPECT_FALSE(collapse.cleared);
  EXPECT_EQ(collapse.value, 0.97);
  EXPECT_EQ(collapse.threshold, 0.9);
  EXPECT_EQ(collapse.message, "collapsed");
}

TEST_F(AlertStoreTest, AnAlertOfTheSameEpisodeReplacesTheStoredOne) {
  CreateRun("r");
  ASSERT_TRUE(store_->UpsertAlerts({MakeAlert("r", "conv5", AlertType::kCollapse, 40)}).ok());
  Alert cleared = MakeAlert("r", "conv5", AlertType::kCollapse, 40);
  cleared.last_step = 90;
  cleared.cleared = true;
  ASSERT_TRUE(store_->UpsertAlerts({cleared}).ok());
  absl::StatusOr<std::vector<Alert>> alerts = store_->ListAlerts("r");
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  EXPECT_TRUE((*alerts)[0].cleared);
  EXPECT_EQ((*alerts)[0].last_step, 90);
}

TEST_F(AlertStoreTest, EachEpisodeIsKeptTheFirstAndTheLatest) {
  CreateRun("r");
  // 30 episodes of collapse on conv5 (began at 0, 10, ..., 290), each cleared, one at a time.
  for (int64_t first = 0; first < 300; first += 10) {
    Alert episode = MakeAlert("r", "conv5", AlertType::kCollapse, first);
    episode.cleared = true;
    ASSERT_TRUE(store_->UpsertAlerts({episode}).ok());
  }
  // Another series' and another type's episodes are not pruned with them.
  ASSERT_TRUE(store_
                  ->UpsertAlerts({MakeAlert("r", "conv4", AlertType::kCollapse, 5),
                                  MakeAlert("r", "conv5", AlertType::kDead, 6)})
                  .ok());
  absl::StatusOr<std::vector<Alert>> alerts = store_->ListAlerts("r");
  ASSERT_TRUE(alerts.ok());
  std::vector<int64_t> collapse_starts;
  for (const Alert& a : *alerts) {
    if (a.layer == "conv5" && a.type == AlertType::kCollapse)
      collapse_starts.push_back(a.first_step);
  }
  std::vector<int64_t> expected = {0};
  for (int64_t first = 150; first < 300; first += 10) expected.push_back(first);
  EXPECT_EQ(collapse_starts, expected);
  EXPECT_EQ(alerts->size(), expected.size() + 2);
  EXPECT_EQ(store_->GetRun("r")->alert_count, expected.size() + 2);
}

TEST_F(AlertStoreTest, RunsCountTheirAlertsAndUnknownRunsAreSkipped) {
  CreateRun("a");
  CreateRun("b");
  ASSERT_TRUE(store_
                  ->UpsertAlerts({MakeAlert("a", "x", AlertType::kCollapse, 1),
                                  MakeAlert("a", "x", AlertType::kDead, 1),
                                  MakeAlert("nope", "x", AlertType::kDead, 1)})
                  .ok());
  absl::StatusOr<RunInfo> a = store_->GetRun("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->alert_count, 2u);
  absl::StatusOr<std::vector<RunInfo>> runs = store_->ListRuns(RunListQuery{});
  ASSERT_TRUE(runs.ok());
  for (const RunInfo& run : *runs) EXPECT_EQ(run.alert_count, run.run_id == "a" ? 2u : 0u);
  EXPECT_TRUE(absl::IsNotFound(store_->ListAlerts("nope").status()));
}

TEST_F(AlertStoreTest, AVersion2FileGetsTheAlertsTable) {
  CreateRun("old");
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("test.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DROP TABLE alerts; PRAGMA user_version=2;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  absl::StatusOr<RunInfo> old = store_->GetRun("old");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->alert_count, 0u);
  EXPECT_TRUE(store_->UpsertAlerts({MakeAlert("old", "x", AlertType::kDead, 3)}).ok());
  EXPECT_EQ(store_->ListAlerts("old")->size(), 1u);
}

TEST_F(AlertStoreTest, AVersion3FileKeepsItsAlertsAndGainsEpisodes) {
  CreateRun("v3");
  ASSERT_TRUE(store_->UpsertAlerts({MakeAlert("v3", "x", AlertType::kDead, 3)}).ok());
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir_.File("test.db").c_str(), &db), SQLITE_OK);
  // The version 3 table: one row per series and type.
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TABLE v3(run_key INTEGER NOT NULL, rank INTEGER NOT NULL, "
                         "kind INTEGER NOT NULL, layer TEXT NOT NULL, type INTEGER NOT NULL, "
                         "severity INTEGER NOT NULL, first_step INTEGER NOT NULL, last_step "
                         "INTEGER NOT NULL, cleared INTEGER NOT NULL, value REAL NOT NULL, "
                         "threshold REAL NOT NULL, message TEXT NOT NULL, PRIMARY KEY(run_key, "
                         "rank, kind, layer, type)) STRICT, WITHOUT ROWID; "
                         "INSERT INTO v3 SELECT * FROM alerts; DROP TABLE alerts; "
                         "ALTER TABLE v3 RENAME TO alerts; PRAGMA user_version=3;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  ASSERT_EQ(store_->ListAlerts("v3")->size(), 1u);
  EXPECT_EQ((*store_->ListAlerts("v3"))[0].first_step, 3);
  ASSERT_TRUE(store_->UpsertAlerts({MakeAlert("v3", "x", AlertType::kDead, 50)}).ok());
  EXPECT_EQ(store_->ListAlerts("v3")->size(), 2u);
}

}  // namespace
}  // namespace actiscope::server
