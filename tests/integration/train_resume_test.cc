// actiscope-train killed with SIGKILL and restarted with --resume against a real actiscope-server:
// the stored run holds every step exactly once, ends where an uninterrupted run ends, and (on the
// CPU with one intra-op thread, where LibTorch is deterministic) the resumed run computes the
// same losses and final parameters as an uninterrupted one with the same flags: the checkpoint
// restored the model, the optimizer, the schedule position and the data order.
//
// The kill waits on the server (WatchRun) until it has stored a step past the newest checkpoint
// on disk, so the resumed trainer re-sends steps the server already holds.
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::Subprocess;
using ::actiscope::testing::TempDir;

constexpr int kSteps = 60;
constexpr int kCheckpointEvery = 20;
constexpr char kRunId[] = "resumed-run";
const absl::Duration kDeadline = absl::Seconds(120);

// The newest checkpoint-<step>.pt in `dir` (trainer/checkpoint.h), or -1.
int64_t NewestCheckpoint(const std::string& dir) {
  int64_t newest = -1;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
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

// Blocks until a checkpoint is renamed into `dir` (inotify), `process` ends or the deadline.
::testing::AssertionResult WaitForACheckpoint(const std::string& dir, int inotify_fd,
                                              Subprocess* process, absl::Time deadline) {
  while (NewestCheckpoint(dir) < 0) {
    if (process->Poll().has_value()) {
      return ::testing::AssertionFailure() << "the trainer ended before its first checkpoint";
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return ::testing::AssertionFailure() << "no checkpoint in " << dir << " by the deadline";
    }
    // Bounded so that a trainer that dies without a checkpoint is noticed.
    pollfd p = {inotify_fd, POLLIN, 0};
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left), 1000));
    if (poll(&p, 1, timeout_ms) > 0) {
      char events[4096];  // Read only to clear them: the loop lists the directory.
      const ssize_t ignored = read(inotify_fd, events, sizeof(events));
      (void)ignored;
    }
  }
  return ::testing::AssertionSuccess();
}

absl::StatusOr<v1::ScalarSeries> FetchLoss(const std::string& address, const std::string& run_id) {
  auto stub = v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  v1::GetScalarsRequest request;
  request.set_run_id(run_id);
  request.add_names("loss");
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  v1::GetScalarsResponse response;
  const grpc::Status status = stub->GetScalars(&context, request, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  if (response.series_size() != 1) return absl::NotFoundError("no loss series");
  return response.series(0);
}

class TrainResumeTest : public ::testing::Test {
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

  // Small enough to take seconds, slow enough (width 32) that the kill lands mid-run.
  std::vector<std::string> Argv(std::vector<std::string> extra) const {
    std::vector<std::string> argv = {
        ACTISCOPE_TRAIN_BIN,  "--width=32",
        "--batch_size=64",
        "--train_limit=1600",  // 25 steps per epoch.
        "--epochs=3",         absl::StrCat("--max_steps=", kSteps),
        "--test_limit=200",   "--seed=3",
        "--threads=1",        absl::StrCat("--server=", server_->grpc_address())};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return argv;
  }

  // Runs B's flags until the server holds a step past the newest checkpoint, then SIGKILLs it.
  void RunAndKill(const std::vector<std::string>& argv) {
    const int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    ASSERT_GE(inotify_fd, 0);
    ASSERT_GE(inotify_add_watch(inotify_fd, checkpoint_dir_.c_str(), IN_MOVED_TO), 0);
    auto process = Subprocess::Start(argv, dir_ + "/killed.out", dir_ + "/killed.err");
    ASSERT_TRUE(process.ok()) << process.status();
    const absl::Time deadline = absl::Now() + kDeadline;
    const ::testing::AssertionResult checkpointed =
        WaitForACheckpoint(checkpoint_dir_, inotify_fd, process->get(), deadline);
    close(inotify_fd);
    ASSERT_TRUE(checkpointed) << testing::ReadFileOrEmpty(dir_ + "/killed.err");

    // The run exists on the server by now: the trainer started it before its first step.
    auto stub = v1::Query::NewStub(
        grpc::CreateChannel(server_->grpc_address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    v1::WatchRunRequest request;
    request.set_run_id(kRunId);
    auto reader = stub->WatchRun(&context, request);
    v1::RunUpdate update;
    bool killed = false;
    while (!killed && reader->Read(&update)) {
      stored_before_kill_ = update.run().last_step();
      checkpoint_before_kill_ = NewestCheckpoint(checkpoint_dir_);
      if (stored_before_kill_ > checkpoint_before_kill_) {
        ASSERT_EQ(kill((*process)->pid(), SIGKILL), 0);
        killed = true;
      }
    }
    context.TryCancel();
    (void)reader->Finish();
    ASSERT_TRUE(killed) << "the trainer finished before the server stored a step past a "
                        << "checkpoint; last stored step " << stored_before_kill_;
    auto exit_status = (*process)->Wait(absl::Seconds(30));
    ASSERT_TRUE(exit_status.ok()) << exit_status.status();
    EXPECT_EQ(*exit_status, 128 + SIGKILL);
  }

  TrainerOutput Run(const std::vector<std::string>& argv) {
    auto run = testing::RunCommand(argv, dir_, kDeadline);
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return {};
    EXPECT_EQ(run->exit_status, 0) << run->out << run->err;
    auto parsed = ParseTrainerOutput(run->out, run->err);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : TrainerOutput{};
  }

  TempDir temp_dir_{"train_resume_test"};
  const std::string dir_ = temp_dir_.path();
  const std::string checkpoint_dir_ = dir_ + "/checkpoints";
  std::unique_ptr<testing::ServerProcess> server_;
  int64_t stored_before_kill_ = -1;
  int64_t checkpoint_before_kill_ = -1;
};

TEST_F(TrainResumeTest, KilledAndResumedRunStoresEveryStepOnceAndMatchesAnUninterruptedRun) {
  const TrainerOutput uninterrupted = Run(Argv({"--run_name=uninterrupted"}));
  ASSERT_FALSE(HasFailure());

  const std::vector<std::string> resumable =
      Argv({absl::StrCat("--run_id=", kRunId), "--run_name=resumed",
            "--checkpoint_dir=" + checkpoint_dir_,
            absl::StrCat("--checkpoint_every=", kCheckpointEvery)});
  ASSERT_TRUE(std::filesystem::create_directories(checkpoint_dir_));
  RunAndKill(resumable);
  ASSERT_FALSE(HasFailure());
  const std::string killed_at =
      absl::StrCat("killed with steps 0..", stored_before_kill_,
                   " stored and the newest checkpoint at step ", checkpoint_before_kill_);
  RecordProperty("killed_at", killed_at);
  SCOPED_TRACE(killed_at);

  std::vector<std::string> resume_argv = resumable;
  resume_argv.push_back("--resume");
  const TrainerOutput resumed = Run(resume_argv);
  ASSERT_FALSE(HasFailure());
  EXPECT_EQ(resumed.run_id, kRunId);
  EXPECT_TRUE(absl::StrContains(resumed.err, absl::StrCat("resuming run ", kRunId))) << resumed.err;
  // The resumed process stopped at --max_steps, counted from the run's step 0.
  EXPECT_TRUE(absl::StrContains(resumed.out, absl::StrCat("steps ", kSteps, " "))) << resumed.out;

  const std::string address = server_->grpc_address();
  auto a = FetchRun(address, uninterrupted.run_id);
  auto b = FetchRun(address, kRunId);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->run().name(), "resumed");
  EXPECT_EQ(b->run().status(), v1::RUN_STATUS_FINISHED);
  EXPECT_EQ(b->run().first_step(), 0);
  EXPECT_EQ(b->run().last_step(), kSteps - 1);
  EXPECT_EQ(b->run().conflicting_frames(), 0u);
  ASSERT_EQ(b->layers_size(), a->layers_size());
  ASSERT_GT(b->layers_size(), 0);
  for (const v1::LayerInfo& layer : b->layers()) {
    auto heatmap = FetchHeatmap(address, kRunId, layer.name(), v1::KIND_ACTIVATION);
    ASSERT_TRUE(heatmap.ok()) << heatmap.status();
    ASSERT_EQ(heatmap->columns_size(), kSteps) << layer.name();
    for (int step = 0; step < kSteps; ++step) {
      const v1::HeatmapColumn& column = heatmap->columns(step);
      EXPECT_EQ(column.step_from(), step) << layer.name();
      EXPECT_EQ(column.step_to(), step) << layer.name();
      EXPECT_EQ(column.histograms(), 1u) << layer.name() << " step " << step;
    }
  }

  // Deterministic on the CPU with --threads=1: the same batches in the same order through the
  // same model and optimizer state give bit-identical losses and parameters.
  auto loss_a = FetchLoss(address, uninterrupted.run_id);
  auto loss_b = FetchLoss(address, kRunId);
  ASSERT_TRUE(loss_a.ok()) << loss_a.status();
  ASSERT_TRUE(loss_b.ok()) << loss_b.status();
  ASSERT_EQ(loss_b->steps_size(), kSteps);
  ASSERT_EQ(loss_a->steps_size(), kSteps);
  for (int step = 0; step < kSteps; ++step) {
    EXPECT_EQ(loss_b->steps(step), step);
    EXPECT_EQ(loss_b->values(step), loss_a->values(step)) << "loss at step " << step;
  }
  EXPECT_EQ(resumed.parameter_checksum, uninterrupted.parameter_checksum);
  EXPECT_EQ(resumed.test_error_rate, uninterrupted.test_error_rate);
}

}  // namespace
}  // namespace actiscope::trainer
