// actiscope-train's --progress_interval: without a terminal the trainer prints a progress line
// at most that often (10 s by default; tests/bench/trainer_gated_bench.py reads the steps from
// lines every 100 ms), and it rejects an interval that is not positive.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/subprocess.h"

namespace actiscope::trainer {
namespace {

constexpr int kSteps = 12;  // --max_steps: the epoch ends there, and its last step prints.

std::vector<std::string> TrainArgs(const actiscope::testing::TempDir& dir) {
  return {ACTISCOPE_TRAIN_BIN,
          "--model=small_cnn",
          "--width=8",
          "--batch_size=32",
          "--train_limit=640",
          "--test_limit=64",
          "--epochs=1",
          absl::StrCat("--max_steps=", kSteps),
          "--threads=1",
          "--offline",
          absl::StrCat("--spool_dir=", dir.File("spool"))};
}

int ProgressLines(const std::string& out) {
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    if (absl::StartsWith(line, "epoch 1/1 step ")) ++lines;
  }
  return lines;
}

TEST(TrainProgressTest, LinesComeAtMostEveryInterval) {
  actiscope::testing::TempDir dir("train_progress");
  auto quiet = actiscope::testing::RunCommand(TrainArgs(dir), dir.path(), absl::Seconds(120));
  ASSERT_TRUE(quiet.ok()) << quiet.status();
  ASSERT_EQ(quiet->exit_status, 0) << quiet->out << quiet->err;
  // A run of a fraction of a second prints only its last step's line at the default 10 s.
  EXPECT_EQ(ProgressLines(quiet->out), 1) << quiet->out;

  std::vector<std::string> args = TrainArgs(dir);
  args.push_back("--progress_interval=1ms");
  auto chatty = actiscope::testing::RunCommand(args, dir.path(), absl::Seconds(120));
  ASSERT_TRUE(chatty.ok()) << chatty.status();
  ASSERT_EQ(chatty->exit_status, 0) << chatty->out << chatty->err;
  // A step takes over a millisecond: nearly every one prints its line.
  EXPECT_GE(ProgressLines(chatty->out), kSteps / 2) << chatty->out;
  EXPECT_TRUE(absl::StrContains(chatty->out, absl::StrCat("step ", kSteps, "/", kSteps)))
      << chatty->out;
}

TEST(TrainProgressTest, AnIntervalThatIsNotPositiveIsRejected) {
  actiscope::testing::TempDir dir("train_progress_bad");
  for (const char* interval : {"0s", "-1s"}) {
    std::vector<std::string> args = TrainArgs(dir);
    args.push_back(absl::StrCat("--progress_interval=", interval));
    auto run = actiscope::testing::RunCommand(args, dir.path(), absl::Seconds(60));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->exit_status, 2) << interval << ": " << run->out << run->err;
    EXPECT_TRUE(absl::StrContains(run->err, "--progress_interval must be positive")) << run->err;
  }
}

}  // namespace
}  // namespace actiscope::trainer
