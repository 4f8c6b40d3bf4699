// SqliteStore's alerts: upsert and list, one row per series and type, the runs' alert counts,
// and the migration that adds the alerts table to a version 2 file.
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

TEST_F(AlertStoreTest, AnAlertOfTheSameSeriesAndTypeReplacesTheStoredOne) {
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

}  // namespace
}  // namespace actiscope::server
