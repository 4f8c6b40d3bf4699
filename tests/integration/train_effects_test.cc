// The seed experiment in small (ResNet-18 at width 8, a few hundred steps of Fashion-MNIST)
// against a real actiscope-server, asserting each effect's direction from the STORED histograms:
//   lr 1:              the later stages' activations collapse into the lowest bin; chance error.
//   lr 1e-2:           neither collapse nor a frozen conv1; error well below chance.
//   discriminative lr: conv1 (and conv2_x) at 1e-6 barely move: conv1's first-to-last histogram
//                      distance is much smaller than with one learning rate.
// and what the collector's detectors (server/alerts/) stored for each: collapse on conv5_x early
// for lr 1, frozen on conv1 and conv2_x for the discriminative rates, nothing for lr 1e-2.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::TempDir;

constexpr int kSteps = 300;
constexpr int kWindow = 10;  // Columns averaged at the start and at the end.

class TrainEffectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::ServerProcessOptions options;
    options.binary = ACTISCOPE_SERVER_BIN;
    options.db = dir_ + "/runs.db";
    options.scratch_dir = dir_;
    auto server = testing::ServerProcess::Start(options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Stop();
  }

  TrainerOutput Train(const std::string& name, std::vector<std::string> extra_args) {
    std::vector<std::string> argv = {ACTISCOPE_TRAIN_BIN,
                                     "--width=8",
                                     "--batch_size=64",
                                     absl::StrCat("--train_limit=", 64 * kSteps),
                                     "--epochs=1",
                                     "--test_limit=2000",
                                     "--seed=3",
                                     "--threads=1",
                                     absl::StrCat("--run_name=", name),
                                     absl::StrCat("--server=", server_->grpc_address())};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    auto run = testing::RunCommand(argv, dir_, absl::Seconds(240));
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return {};
    EXPECT_EQ(run->exit_status, 0) << run->out << run->err;
    auto parsed = ParseTrainerOutput(run->out, run->err);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : TrainerOutput{};
  }

  v1::Heatmap Heatmap(const TrainerOutput& run, const std::string& layer) {
    auto heatmap = FetchHeatmap(server_->grpc_address(), run.run_id, layer, v1::KIND_ACTIVATION);
    EXPECT_TRUE(heatmap.ok()) << heatmap.status();
    if (!heatmap.ok()) return {};
    EXPECT_EQ(heatmap->columns_size(), kSteps) << layer;
    return *heatmap;
  }

  std::vector<v1::Alert> Alerts(const TrainerOutput& run) {
    auto alerts = FetchAlerts(server_->grpc_address(), run.run_id);
    EXPECT_TRUE(alerts.ok()) << alerts.status();
    return alerts.ok() ? *alerts : std::vector<v1::Alert>{};
  }

  TempDir temp_dir_{"train_effects_test"};
  const std::string dir_ = temp_dir_.path();
  std::unique_ptr<testing::ServerProcess> server_;
};

TEST_F(TrainEffectsTest, LrOneCollapsesDiscriminativeFreezesConv1AndLrHundredthDoesNeither) {
  const TrainerOutput good = Train("lr-1e-2", {"--lr=1e-2"});
  const TrainerOutput bad = Train("lr-1", {"--lr=1"});
  const TrainerOutput discriminative =
      Train("discriminative", {"--lr=1e-2", "--lr_groups=conv1=1e-6,conv2_x=1e-6"});
  ASSERT_FALSE(HasFailure());

  EXPECT_LT(good.test_error_rate, 0.35);
  EXPECT_GT(bad.test_error_rate, 0.6);
  // The last stage collapses into the lowest bin (as in the seed's picture)...
  const v1::Heatmap healthy_last = Heatmap(good, "conv5_x");
  const v1::Heatmap collapsed_last = Heatmap(bad, "conv5_x");
  const double collapsed_start = MeanLowestBinShare(collapsed_last, 0, kWindow);
  const double collapsed_end = MeanLowestBinShare(collapsed_last, kSteps - kWindow, kSteps);
  const double healthy_end = MeanLowestBinShare(healthy_last, kSteps - kWindow, kSteps);
  SCOPED_TRACE(absl::StrCat("conv5_x lowest-bin share: lr 1 ", collapsed_start, " -> ",
                            collapsed_end, "; lr 1e-2 ends at ", healthy_end));
  EXPECT_GT(collapsed_end, 0.9);
  EXPECT_GT(collapsed_end, collapsed_start + 0.3);
  EXPECT_GT(collapsed_end, healthy_end + 0.3);
  // ...and the stages before it turn pathological: their distributions move far more than with
  // a healthy rate.
  for (const std::string layer : {"conv2_x", "conv3_x", "conv4_x"}) {
    const double healthy_moved = StartToEndDistance(Heatmap(good, layer), kWindow);
    const double bad_moved = StartToEndDistance(Heatmap(bad, layer), kWindow);
    EXPECT_GT(bad_moved, 3 * healthy_moved)
        << layer << ": lr 1 moved " << bad_moved << ", lr 1e-2 " << healthy_moved;
  }
  // Discriminative rates (1e-6 for conv1 and conv2_x) leave conv1 nearly where it started.
  const double single_lr = StartToEndDistance(Heatmap(good, "conv1"), kWindow);
  const double frozen = StartToEndDistance(Heatmap(discriminative, "conv1"), kWindow);
  EXPECT_LT(4 * frozen, single_lr)
      << "conv1 moved " << frozen << " with discriminative rates, " << single_lr << " with one";

  // The detectors say the same from the stored data.
  auto describe = [](const std::vector<v1::Alert>& alerts) {
    std::string text;
    for (const v1::Alert& a : alerts) {
      absl::StrAppend(&text, v1::AlertType_Name(a.type()), " ", a.layer(), " ",
                      v1::Kind_Name(a.kind()), " @", a.first_step(), "; ");
    }
    return text;
  };
  const std::vector<v1::Alert> healthy_alerts = Alerts(good);
  EXPECT_TRUE(healthy_alerts.empty()) << describe(healthy_alerts);
  const std::vector<v1::Alert> bad_alerts = Alerts(bad);
  bool collapse_flagged = false;
  for (const v1::Alert& a : bad_alerts) {
    if (a.type() == v1::ALERT_TYPE_COLLAPSE && a.layer() == "conv5_x" &&
        a.kind() == v1::KIND_ACTIVATION) {
      collapse_flagged = true;
      EXPECT_LT(a.first_step(), 100) << describe(bad_alerts);
    }
  }
  EXPECT_TRUE(collapse_flagged) << describe(bad_alerts);
  std::vector<std::string> frozen_layers;
  for (const v1::Alert& a : Alerts(discriminative)) {
    EXPECT_EQ(a.type(), v1::ALERT_TYPE_FROZEN) << describe(Alerts(discriminative));
    if (a.type() == v1::ALERT_TYPE_FROZEN) frozen_layers.push_back(a.layer());
  }
  std::sort(frozen_layers.begin(), frozen_layers.end());
  EXPECT_EQ(frozen_layers, (std::vector<std::string>{"conv1", "conv2_x"}));
}

}  // namespace
}  // namespace actiscope::trainer
