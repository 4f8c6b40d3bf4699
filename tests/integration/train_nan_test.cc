// actiscope-train --inject_nan_at against a real actiscope-server: the step's input batch gets
// a NaN, which the stored histograms show as non-finite values from that step on (the first
// layer at that step, and everything after the optimizer spread it into the weights), and not
// before. The alert detectors are tested on this kind of run.
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

constexpr int kSteps = 8;
constexpr int kNanStep = 4;

TEST(TrainNanTest, AnInjectedNanShowsFromItsStepOn) {
  actiscope::testing::TempDir dir("train_nan");
  testing::ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir.File("nan.db");
  options.scratch_dir = dir.path();
  auto server = testing::ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::vector<std::string> argv = {
      ACTISCOPE_TRAIN_BIN, "--model=small_cnn",
      "--width=8",         "--batch_size=32",
      "--train_limit=640", "--test_limit=64",
      "--epochs=1",        absl::StrCat("--max_steps=", kSteps),
      "--threads=1",       absl::StrCat("--inject_nan_at=", kNanStep),
      "--run_id=nan-run",  absl::StrCat("--server=", (*server)->grpc_address())};
  auto run = testing::RunCommand(argv, dir.path(), absl::Seconds(120));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_status, 0) << run->out << run->err;

  auto heatmap = FetchHeatmap((*server)->grpc_address(), "nan-run", "conv1", v1::KIND_ACTIVATION);
  ASSERT_TRUE(heatmap.ok()) << heatmap.status();
  ASSERT_EQ(heatmap->columns_size(), kSteps);
  for (const v1::HeatmapColumn& column : heatmap->columns()) {
    if (column.step_from() < kNanStep) {
      EXPECT_EQ(column.nonfinite(), 0u) << "step " << column.step_from();
    } else {
      EXPECT_GT(column.nonfinite(), 0u) << "step " << column.step_from();
    }
  }
  auto detail = FetchRun((*server)->grpc_address(), "nan-run");
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_EQ(detail->run().config().at("inject_nan_at"), absl::StrCat(kNanStep));
  (*server)->Stop();
}

}  // namespace
}  // namespace actiscope::trainer
