#include "trainer/resume.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/small_cnn.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::TempDir;
using ::testing::HasSubstr;

constexpr int64_t kScheduleSteps = 100;
const torch::Device kCpu(torch::kCPU);

// A FILE* whose output the test can read back.
class MemoryLog {
 public:
  MemoryLog() : file_(open_memstream(&buffer_, &size_)) {}
  ~MemoryLog() {
    std::fclose(file_);
    std::free(buffer_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(buffer_, size_);
  }

 private:
  char* buffer_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

class ResumeTest : public ::testing::Test {
 protected:
  ResumeTest() {
    options_.model = ModelKind::kSmallCnn;
    options_.width = 4;
    options_.run_name = "resumable";
    options_.checkpoint_dir = dir_ + "/checkpoints";
    torch::manual_seed(1);
    model_ = std::make_shared<SmallCnn>(4);
    optimizer_ = std::make_unique<torch::optim::SGD>(model_->parameters(),
                                                     torch::optim::SGDOptions(0.1).momentum(0.9));
  }

  // Saves the model and the generator as they are now, as a checkpoint of options_ at `step`.
  void SaveNow(int64_t step) {
    ASSERT_TRUE(PrepareCheckpointDir(options_.checkpoint_dir).ok());
    CheckpointState state;
    state.step = step;
    state.epoch_position = step;
    state.schedule_steps = kScheduleSteps;
    state.run_id = "run-1";
    state.run_name = "resumable";
    state.config = ConfigMap(options_);
    state.epoch_order = torch::arange(10);
    state.generator_state = CpuGeneratorState();
    ASSERT_TRUE(SaveCheckpoint(options_.checkpoint_dir, state, *model_, *optimizer_).ok());
  }

  absl::StatusOr<std::optional<CheckpointState>> Start(const TrainOptions& options) {
    torch::manual_seed(2);
    fresh_model_ = std::make_shared<SmallCnn>(4);
    fresh_optimizer_ = std::make_unique<torch::optim::SGD>(
        fresh_model_->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
    return StartFromCheckpoint(options, kScheduleSteps, kCpu, fresh_model_.get(),
                               fresh_optimizer_.get(), log_.file());
  }

  TempDir temp_dir_{"resume_test"};
  const std::string dir_ = temp_dir_.path();
  TrainOptions options_;
  std::shared_ptr<SmallCnn> model_;
  std::unique_ptr<torch::optim::SGD> optimizer_;
  std::shared_ptr<SmallCnn> fresh_model_;
  std::unique_ptr<torch::optim::SGD> fresh_optimizer_;
  MemoryLog log_;
};

TEST_F(ResumeTest, WithoutResumeCreatesTheDirectoryAndStartsFresh) {
  auto start = Start(options_);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_FALSE(start->has_value());
  EXPECT_TRUE(std::filesystem::is_directory(options_.checkpoint_dir));
}

TEST_F(ResumeTest, WithoutResumeRefusesADirectoryHoldingCheckpoints) {
  SaveNow(20);
  auto start = Start(options_);
  EXPECT_EQ(start.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(start.status().message(), HasSubstr("newest at step 20): pass --resume"));
}

TEST_F(ResumeTest, ResumeWithoutCheckpointStartsFreshAndSaysSo) {
  options_.resume = true;
  auto start = Start(options_);
  ASSERT_TRUE(start.ok()) << start.status();
  EXPECT_FALSE(start->has_value());
  EXPECT_THAT(log_.text(),
              HasSubstr("no checkpoint in " + options_.checkpoint_dir + "; starting a fresh run"));
}

TEST_F(ResumeTest, ResumeRestoresTheModelAndTheGeneratorSoTheSameOrderFollows) {
  torch::manual_seed(5);
  SaveNow(20);
  const torch::Tensor next_order = torch::randperm(50);
  options_.resume = true;
  options_.run_id = "run-1";
  options_.run_name.clear();  // Taken from the checkpoint.
  auto start = Start(options_);
  ASSERT_TRUE(start.ok()) << start.status();
  ASSERT_TRUE(start->has_value());
  EXPECT_EQ((*start)->step, 20);
  EXPECT_EQ((*start)->run_id, "run-1");
  EXPECT_EQ((*start)->run_name, "resumable");
  EXPECT_TRUE(torch::equal(torch::randperm(50), next_order));
  const auto saved = model_->parameters();
  const auto restored = fresh_model_->parameters();
  ASSERT_EQ(saved.size(), restored.size());
  for (size_t i = 0; i < saved.size(); ++i) EXPECT_TRUE(torch::equal(saved[i], restored[i]));
  EXPECT_THAT(log_.text(), HasSubstr("resuming run run-1 (\"resumable\") at step 20"));
}

TEST_F(ResumeTest, ResumeRefusesAnotherRunName) {
  SaveNow(20);
  options_.resume = true;
  options_.run_name = "other";
  auto start = Start(options_);
  EXPECT_EQ(start.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(start.status().message(),
              HasSubstr("--run_name=other: the newest checkpoint in " + options_.checkpoint_dir +
                        " belongs to run run-1 named \"resumable\""));
}

TEST_F(ResumeTest, ResumeRefusesAnotherRunId) {
  SaveNow(20);
  options_.resume = true;
  options_.run_id = "run-2";
  auto start = Start(options_);
  EXPECT_EQ(start.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(start.status().message(),
              HasSubstr("--run_id=run-2: the newest checkpoint in " + options_.checkpoint_dir +
                        " belongs to run run-1"));
}

TEST_F(ResumeTest, ResumeRefusesChangedTrainingFlags) {
  SaveNow(20);
  options_.resume = true;
  options_.lr = 0.5;
  auto start = Start(options_);
  EXPECT_EQ(start.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(start.status().message(), HasSubstr("lr=0.5"));
}

TEST_F(ResumeTest, ResumeFallsBackOverADamagedNewestAndReportsIt) {
  SaveNow(10);
  SaveNow(20);
  std::filesystem::resize_file(CheckpointPath(options_.checkpoint_dir, 20), 100);
  options_.resume = true;
  auto start = Start(options_);
  ASSERT_TRUE(start.ok()) << start.status();
  ASSERT_TRUE(start->has_value());
  EXPECT_EQ((*start)->step, 10);
  EXPECT_THAT(log_.text(), HasSubstr("warning: skipping unreadable checkpoint " +
                                     CheckpointPath(options_.checkpoint_dir, 20)));
}

}  // namespace
}  // namespace actiscope::trainer
