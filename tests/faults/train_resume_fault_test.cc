// Case g: a trainer killed and resumed while its collector restarts. actiscope-train (spooling,
// checkpointing every 20 steps) streams into a collector that is killed with SIGKILL and
// restarted mid-stream; the trainer is then killed with SIGKILL once the server holds a step
// past its newest checkpoint, and resumed with --resume while the collector is down, the
// collector coming back once the resumed trainer has written a new checkpoint. The resumed run
// is stored with every step exactly once per layer and no conflicts (its re-sent steps are
// the same, on the CPU with one thread), and nothing is left in the spool.
//
// Needs actiscope-train, built only with LibTorch (-DACTISCOPE_WITH_TORCH=ON); the
// collector-only build skips this case unless $ACTISCOPE_TRAIN_BIN names a trainer.
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/stored_frames.h"
#include "tests/faults/wait_until.h"
#include "tests/integration/subprocess.h"

namespace actiscope::faults {
namespace {

constexpr int kSteps = 60;
constexpr int kCheckpointEvery = 20;
constexpr char kRunId[] = "resumed-under-faults";
constexpr char kDataDir[] = "/usr/share/datasets/fashion-mnist";

std::string TrainerBinary() {
#ifdef ACTISCOPE_TRAIN_BIN
  return ACTISCOPE_TRAIN_BIN;
#else
  const char* binary = std::getenv("ACTISCOPE_TRAIN_BIN");
  return binary != nullptr ? binary : "";
#endif
}

// The newest checkpoint-<step>.pt in `dir` (trainer/checkpoint.h), or -1.
int64_t NewestCheckpoint(const std::string& dir) {
  int64_t newest = -1;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string file_name = entry.path().filename().string();
    absl::string_view name = file_name;
    int64_t step = 0;
    if (absl::ConsumePrefix(&name, "checkpoint-") && absl::ConsumeSuffix(&name, ".pt") &&
        absl::SimpleAtoi(name, &step)) {
      newest = std::max(newest, step);
    }
  }
  return newest;
}

// The run's last stored step, or -1.
int64_t LastStoredStep(const FaultServer& server) {
  absl::StatusOr<v1::RunSummary> summary = GetRunSummary(server.grpc_address(), kRunId);
  return summary.ok() ? summary->last_step() : -1;
}

TEST(TrainResumeFaultTest, ResumedTrainerThroughCollectorRestartsStoresEveryStepOnce) {
  const std::string trainer = TrainerBinary();
  if (trainer.empty()) {
    GTEST_SKIP() << "no actiscope-train: the collector-only build has none (build with "
                    "-DACTISCOPE_WITH_TORCH=ON, or set ACTISCOPE_TRAIN_BIN)";
  }
  if (!std::filesystem::exists(kDataDir)) GTEST_SKIP() << "no dataset in " << kDataDir;
  const absl::Time start = absl::Now();
  testing::TempDir temp_dir("fault_train");
  const std::string dir = temp_dir.path();
  const std::string checkpoint_dir = dir + "/checkpoints";
  const std::string spool_dir = dir + "/spool";
  ASSERT_TRUE(std::filesystem::create_directories(checkpoint_dir));
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());
  const std::vector<std::string> argv = {trainer,
                                         "--width=32",
                                         "--batch_size=64",
                                         "--train_limit=1600",
                                         "--epochs=3",
                                         absl::StrCat("--max_steps=", kSteps),
                                         "--test_limit=200",
                                         "--seed=3",
                                         "--threads=1",
                                         absl::StrCat("--server=", server.grpc_address()),
                                         absl::StrCat("--run_id=", kRunId),
                                         absl::StrCat("--spool_dir=", spool_dir),
                                         absl::StrCat("--checkpoint_dir=", checkpoint_dir),
                                         absl::StrCat("--checkpoint_every=", kCheckpointEvery)};

  // The first trainer: the collector is killed and restarted mid-stream, then the trainer is
  // killed past its newest checkpoint.
  absl::StatusOr<std::unique_ptr<testing::Subprocess>> first =
      testing::Subprocess::Start(argv, dir + "/first.out", dir + "/first.err");
  ASSERT_TRUE(first.ok()) << first.status();
  const auto first_ended = [&] { return (*first)->Poll().has_value(); };
  ASSERT_TRUE(
      WaitUntil(absl::Seconds(120), [&] { return first_ended() || LastStoredStep(server) >= 3; }));
  ASSERT_FALSE(first_ended()) << testing::ReadFileOrEmpty(dir + "/first.err");
  ASSERT_TRUE(server.Kill().ok());
  ASSERT_TRUE(server.Start().ok());
  int64_t killed_at = -1;
  ASSERT_TRUE(WaitUntil(absl::Seconds(120), [&] {
    const int64_t checkpoint = NewestCheckpoint(checkpoint_dir);
    killed_at = LastStoredStep(server);
    return first_ended() || (checkpoint >= 0 && killed_at > checkpoint);
  }));
  ASSERT_FALSE(first_ended()) << "the trainer finished before the server stored a step past a "
                                 "checkpoint: "
                              << testing::ReadFileOrEmpty(dir + "/first.err");
  ::kill((*first)->pid(), SIGKILL);
  ASSERT_TRUE((*first)->Wait(absl::Seconds(30)).ok());
  const int64_t resumed_from = NewestCheckpoint(checkpoint_dir);

  // The resumed trainer starts against a dead collector, which comes back once it has written
  // a newer checkpoint.
  ASSERT_TRUE(server.Kill().ok());
  std::vector<std::string> resume = argv;
  resume.push_back("--resume");
  absl::StatusOr<std::unique_ptr<testing::Subprocess>> second =
      testing::Subprocess::Start(resume, dir + "/second.out", dir + "/second.err");
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(WaitUntil(absl::Seconds(120), [&] {
    return (*second)->Poll().has_value() || NewestCheckpoint(checkpoint_dir) > resumed_from;
  }));
  ASSERT_TRUE(server.Start().ok());
  absl::StatusOr<int> exit_status = (*second)->Wait(absl::Seconds(120));
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  EXPECT_EQ(*exit_status, 0) << testing::ReadFileOrEmpty(dir + "/second.err");
  // Whatever the trainer could not deliver by its finish deadline is in the spool.
  absl::StatusOr<testing::CommandOutput> sync = testing::RunCommand(
      {ACTISCOPE_CLI_BIN, absl::StrCat("--server=", server.grpc_address()), "sync", spool_dir}, dir,
      absl::Seconds(60));
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->exit_status, 0) << sync->err;

  // Every step of every series once.
  absl::StatusOr<v1::RunDetail> detail = GetRunDetail(server.grpc_address(), kRunId);
  ASSERT_TRUE(detail.ok()) << detail.status();
  EXPECT_EQ(detail->run().first_step(), 0);
  EXPECT_EQ(detail->run().last_step(), kSteps - 1);
  ASSERT_GT(detail->layers_size(), 0);
  FaultTally tally;
  tally.runs = 1;
  tally.conflicts = detail->run().conflicting_frames();
  for (const v1::LayerInfo& layer : detail->layers()) {
    for (int kind : layer.kinds()) {
      absl::StatusOr<std::map<int64_t, v1::HeatmapColumn>> columns =
          ReadStepColumns(server.grpc_address(), kRunId, layer.name(), static_cast<v1::Kind>(kind),
                          0, 0, kSteps - 1);
      ASSERT_TRUE(columns.ok()) << columns.status();
      for (int64_t step = 0; step < kSteps; ++step) {
        const auto it = columns->find(step);
        const uint32_t histograms = it == columns->end() ? 0 : it->second.histograms();
        if (histograms == 0) ++tally.lost;
        if (histograms > 1) ++tally.duplicates;
        if (histograms > 0) ++tally.acked;
      }
    }
  }
  tally.Print(absl::StrCat("g. actiscope-train killed at step ", killed_at,
                           ", resumed from checkpoint ", resumed_from,
                           ", collector killed and down mid-stream"));
  EXPECT_EQ(tally.lost, 0u);
  EXPECT_EQ(tally.duplicates, 0u);
  EXPECT_EQ(tally.conflicts, 0u);
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case g took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
