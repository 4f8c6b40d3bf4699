// actiscope-train against a real actiscope-server: the alerts the collector flags at ingest come
// back in the Push acks and the trainer prints each once, while it trains, as
//   actiscope alert at step S: TYPE on LAYER (KIND): MESSAGE
// An injected NaN (--inject_nan_at) is the deterministic case: conv1's nonfinite alert at that
// very step. A run at lr=1 collapses layers: every alert the server stored is printed, once.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::trainer {
namespace {

constexpr char kAlertPrefix[] = "actiscope alert at step ";

// What Query.ListAlerts returns for the run.
std::vector<v1::Alert> StoredAlerts(const std::string& address, const std::string& run_id) {
  auto alerts = FetchAlerts(address, run_id);
  EXPECT_TRUE(alerts.ok()) << alerts.status();
  return alerts.ok() ? *alerts : std::vector<v1::Alert>{};
}

// The alert lines of `out`, each with how often it was printed.
std::map<std::string, int> AlertLines(const std::string& out) {
  std::map<std::string, int> lines;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, kAlertPrefix)) ++lines[std::string(line)];
  }
  return lines;
}

// How the trainer prints the start of the line of a stored alert (query.proto's names).
std::string LineStart(const v1::Alert& alert) {
  static const std::map<v1::AlertType, std::string> kTypes = {
      {v1::ALERT_TYPE_COLLAPSE, "collapse"},
      {v1::ALERT_TYPE_DEAD, "dead"},
      {v1::ALERT_TYPE_FROZEN, "frozen"},
      {v1::ALERT_TYPE_EXPLODING, "exploding"},
      {v1::ALERT_TYPE_SATURATED, "saturated"},
      {v1::ALERT_TYPE_NONFINITE, "nonfinite"},
      {v1::ALERT_TYPE_VANISHING_GRADIENT, "vanishing_gradient"},
      {v1::ALERT_TYPE_EXPLODING_GRADIENT, "exploding_gradient"}};
  static const std::map<v1::Kind, std::string> kKinds = {{v1::KIND_ACTIVATION, "activation"},
                                                         {v1::KIND_GRADIENT, "gradient"},
                                                         {v1::KIND_WEIGHT, "weight"}};
  return absl::StrCat(kAlertPrefix, alert.first_step(), ": ", kTypes.at(alert.type()), " on ",
                      alert.layer(), " (", kKinds.at(alert.kind()), "): ");
}

class TrainAlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServerProcessOptions options;
    options.binary = ACTISCOPE_SERVER_BIN;
    options.db = dir_.File("alerts.db");
    options.scratch_dir = dir_.path();
    auto server = testing::ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
  }

  // Runs small_cnn at width 8 on one thread with `flags` added; returns its stdout.
  std::string Train(const std::vector<std::string>& flags) {
    std::vector<std::string> argv = {ACTISCOPE_TRAIN_BIN,
                                     "--model=small_cnn",
                                     "--width=8",
                                     "--batch_size=32",
                                     "--test_limit=64",
                                     "--threads=1",
                                     absl::StrCat("--server=", server_->grpc_address())};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto run = testing::RunCommand(argv, dir_.path(), absl::Seconds(120));
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return "";
    EXPECT_EQ(run->exit_status, 0) << run->out << run->err;
    return run->out;
  }

  actiscope::testing::TempDir dir_{"train_alerts"};
  std::unique_ptr<testing::ServerProcess> server_;
};

TEST_F(TrainAlertsTest, AnInjectedNanIsPrintedOnceAtItsStepWhileTrainingGoesOn) {
  constexpr int kNanStep = 4;
  // 40 epochs of 20 steps (about 5 s here): the NaN's acknowledgement comes within the 1 s
  // flush interval, long before the last epoch ends.
  const std::string out = Train({"--train_limit=640", "--epochs=40",
                                 absl::StrCat("--inject_nan_at=", kNanStep), "--run_id=nan-alert"});
  const std::map<std::string, int> lines = AlertLines(out);
  const std::string conv1 =
      absl::StrCat(kAlertPrefix, kNanStep, ": nonfinite on conv1 (activation): ");
  int conv1_lines = 0;
  for (const auto& [line, times] : lines) {
    EXPECT_EQ(times, 1) << "printed " << times << " times: " << line;
    if (absl::StrContains(line, "nonfinite on conv1 ")) {
      ++conv1_lines;
      EXPECT_TRUE(absl::StartsWith(line, conv1)) << line;
      EXPECT_TRUE(absl::StrContains(line, "NaN or infinite")) << line;
    }
  }
  EXPECT_EQ(conv1_lines, 1) << out;
  // Printed during training, not only when it was over.
  const size_t printed = out.find(conv1);
  const size_t last_epoch = out.find("epoch 40/40 done");
  ASSERT_NE(printed, std::string::npos) << out;
  ASSERT_NE(last_epoch, std::string::npos) << out;
  EXPECT_LT(printed, last_epoch) << out;
  // What was printed is what the server stored.
  bool stored = false;
  for (const v1::Alert& alert : StoredAlerts(server_->grpc_address(), "nan-alert")) {
    if (alert.layer() == "conv1" && alert.type() == v1::ALERT_TYPE_NONFINITE) {
      stored = true;
      EXPECT_EQ(alert.first_step(), kNanStep);
    }
  }
  EXPECT_TRUE(stored);
}

TEST_F(TrainAlertsTest, ACollapsingRunPrintsEveryStoredAlertOnce) {
  // Adam at lr=1 over a 150-step one-cycle: conv3 collapses within about 25 steps.
  const std::string out =
      Train({"--train_limit=6400", "--epochs=1", "--max_steps=150", "--lr=1", "--run_id=lr1"});
  const std::map<std::string, int> lines = AlertLines(out);
  for (const auto& [line, times] : lines) {
    EXPECT_EQ(times, 1) << "printed " << times << " times: " << line;
  }
  const std::vector<v1::Alert> stored = StoredAlerts(server_->grpc_address(), "lr1");
  bool collapse = false;
  for (const v1::Alert& alert : stored) {
    collapse = collapse || alert.type() == v1::ALERT_TYPE_COLLAPSE;
    const std::string start = LineStart(alert);
    int printed = 0;
    for (const auto& [line, times] : lines) {
      if (absl::StartsWith(line, start)) printed += times;
    }
    EXPECT_EQ(printed, 1) << start << "\n" << out;
  }
  EXPECT_TRUE(collapse) << out;
}

}  // namespace
}  // namespace actiscope::trainer
