#include "trainer/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/small_cnn.h"

namespace actiscope::trainer {
namespace {

namespace fs = std::filesystem;

using ::actiscope::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const torch::Device kCpu(torch::kCPU);

// A model and an optimizer whose state is not the initial one: two SGD steps with momentum on
// seeded data.
struct Trained {
  explicit Trained(uint64_t seed, int64_t width = 4) {
    torch::manual_seed(seed);
    model = std::make_shared<SmallCnn>(width);
    optimizer = std::make_unique<torch::optim::SGD>(model->parameters(),
                                                    torch::optim::SGDOptions(0.1).momentum(0.9));
  }

  void Step(uint64_t data_seed) {
    torch::manual_seed(data_seed);
    const torch::Tensor images = torch::randn({8, 1, 28, 28});
    const torch::Tensor labels = torch::randint(10, {8});
    optimizer->zero_grad();
    torch::cross_entropy_loss(model->Forward(images, {}), labels).backward();
    optimizer->step();
  }

  std::shared_ptr<SmallCnn> model;
  std::unique_ptr<torch::optim::SGD> optimizer;
};

CheckpointState State(int64_t step) {
  CheckpointState state;
  state.step = step;
  state.epoch = 2;
  state.epoch_position = 5;
  state.epoch_loss_sum = 11.25;
  state.schedule_steps = 300;
  state.run_id = "run-1";
  state.run_name = "resumable";
  state.config = {{"lr", "0.01"}, {"model", "small_cnn"}};
  state.epoch_order = torch::randperm(100);
  state.generator_state = torch::tensor({1, 2, 3}, torch::kUInt8);
  return state;
}

bool AllEqual(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!torch::equal(a[i], b[i])) return false;
  }
  return true;
}

std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class CheckpointTest : public ::testing::Test {
 protected:
  void Save(int64_t step) {
    const absl::Status s = SaveCheckpoint(dir_, State(step), *trained_.model, *trained_.optimizer);
    ASSERT_TRUE(s.ok()) << s;
  }

  // Inverts one byte in the middle of the file.
  static void Damage(const std::string& path) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const auto middle = static_cast<std::streamoff>(fs::file_size(path) / 2);
    f.seekg(middle);
    const char byte = static_cast<char>(f.get());
    f.seekp(middle);
    f.put(static_cast<char>(~byte));
  }

  TempDir temp_dir_{"checkpoint_test"};
  const std::string dir_ = temp_dir_.path();
  Trained trained_{1};
};

TEST_F(CheckpointTest, RoundTripRestoresModelOptimizerAndState) {
  trained_.Step(10);
  trained_.Step(11);
  const CheckpointState saved = State(7);
  ASSERT_TRUE(SaveCheckpoint(dir_, saved, *trained_.model, *trained_.optimizer).ok());

  Trained fresh(2);  // Other initial weights, no momentum buffers yet.
  auto loaded = LoadedCheckpoint::Read(CheckpointPath(dir_, 7), kCpu);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->Restore(fresh.model.get(), fresh.optimizer.get()).ok());
  EXPECT_TRUE(AllEqual(fresh.model->parameters(), trained_.model->parameters()));
  EXPECT_TRUE(AllEqual(fresh.model->buffers(), trained_.model->buffers()));
  // The same next step from the same state (momentum buffers included) lands on the same weights.
  trained_.Step(12);
  fresh.Step(12);
  EXPECT_TRUE(AllEqual(fresh.model->parameters(), trained_.model->parameters()));

  const CheckpointState& state = loaded->state();
  EXPECT_EQ(state.step, 7);
  EXPECT_EQ(state.epoch, 2);
  EXPECT_EQ(state.epoch_position, 5);
  EXPECT_EQ(state.epoch_loss_sum, 11.25);
  EXPECT_EQ(state.schedule_steps, 300);
  EXPECT_EQ(state.run_id, "run-1");
  EXPECT_EQ(state.run_name, "resumable");
  EXPECT_EQ(state.config, saved.config);
  EXPECT_TRUE(torch::equal(state.epoch_order, saved.epoch_order));
  EXPECT_TRUE(torch::equal(state.generator_state, saved.generator_state));
}

TEST_F(CheckpointTest, RestoresAdamMoments) {
  torch::manual_seed(3);
  auto model = std::make_shared<SmallCnn>(4);
  torch::optim::AdamW adam(model->parameters(), torch::optim::AdamWOptions(1e-2));
  auto step = [](SmallCnn* m, torch::optim::Optimizer* o) {
    torch::manual_seed(20);
    o->zero_grad();
    torch::cross_entropy_loss(m->Forward(torch::randn({4, 1, 28, 28}), {}), torch::randint(10, {4}))
        .backward();
    o->step();
  };
  step(model.get(), &adam);
  ASSERT_TRUE(SaveCheckpoint(dir_, State(1), *model, adam).ok());

  torch::manual_seed(4);
  auto other = std::make_shared<SmallCnn>(4);
  torch::optim::AdamW other_adam(other->parameters(), torch::optim::AdamWOptions(1e-2));
  auto loaded = LoadedCheckpoint::Read(CheckpointPath(dir_, 1), kCpu);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->Restore(other.get(), &other_adam).ok());
  step(model.get(), &adam);
  step(other.get(), &other_adam);
  EXPECT_TRUE(AllEqual(other->parameters(), model->parameters()));
}

TEST_F(CheckpointTest, SaveLeavesOnlyTheNewestTwoAndNoTempFile) {
  Save(10);
  Save(20);
  Save(30);
  EXPECT_THAT(FileNames(dir_),
              ElementsAre("checkpoint-000000000020.pt", "checkpoint-000000000030.pt"));
  auto steps = ListCheckpoints(dir_);
  ASSERT_TRUE(steps.ok());
  EXPECT_THAT(*steps, ElementsAre(20, 30));
}

TEST_F(CheckpointTest, SavingAnOlderStepDropsTheAbandonedNewerOnes) {
  Save(10);
  Save(20);
  Save(30);
  Save(25);  // A run resumed from step 20 reached step 25: step 30 belongs to an abandoned past.
  EXPECT_THAT(FileNames(dir_),
              ElementsAre("checkpoint-000000000020.pt", "checkpoint-000000000025.pt"));
}

TEST_F(CheckpointTest, TempFileOfAKilledSaveIsNeverReadAndIsRemovedByTheNextSave) {
  Save(10);
  const std::string temp = dir_ + "/.checkpoint-000000000020.pt.tmp";
  std::ofstream(temp) << "half a checkpoint";
  std::vector<std::string> warnings;
  auto newest = ReadNewestCheckpoint(dir_, kCpu, &warnings);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ((*newest)->state().step, 10);
  EXPECT_THAT(warnings, IsEmpty());
  Save(20);
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(CheckpointTest, DamagedNewestFallsBackToThePreviousWithAWarning) {
  Save(10);
  Save(20);
  Damage(CheckpointPath(dir_, 20));
  std::vector<std::string> warnings;
  auto newest = ReadNewestCheckpoint(dir_, kCpu, &warnings);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ((*newest)->state().step, 10);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("checkpoint-000000000020.pt: checksum"));
}

TEST_F(CheckpointTest, TruncatedNewestFallsBackToThePrevious) {
  Save(10);
  Save(20);
  const std::string path = CheckpointPath(dir_, 20);
  fs::resize_file(path, fs::file_size(path) / 3);
  std::vector<std::string> warnings;
  auto newest = ReadNewestCheckpoint(dir_, kCpu, &warnings);
  ASSERT_TRUE(newest.ok()) << newest.status();
  ASSERT_TRUE(newest->has_value());
  EXPECT_EQ((*newest)->state().step, 10);
  ASSERT_THAT(warnings, SizeIs(1));
  EXPECT_THAT(warnings[0], HasSubstr("checkpoint-000000000020.pt: no checksum trailer"));
}

TEST_F(CheckpointTest, NoReadableCheckpointIsDataLossNamingTheDirectory) {
  Save(10);
  Damage(CheckpointPath(dir_, 10));
  std::vector<std::string> warnings;
  auto newest = ReadNewestCheckpoint(dir_, kCpu, &warnings);
  EXPECT_EQ(newest.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(newest.status().message(), HasSubstr(dir_));
  EXPECT_THAT(newest.status().message(), HasSubstr("checksum"));
}

TEST_F(CheckpointTest, AFileThatIsNotACheckpointIsDataLoss) {
  const std::string path = CheckpointPath(dir_, 5);
  std::ofstream(path) << "not a checkpoint, but long enough for a trailer";
  auto loaded = LoadedCheckpoint::Read(path, kCpu);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr(path));
}

TEST_F(CheckpointTest, EmptyOrMissingDirectoryHasNoCheckpoint) {
  std::vector<std::string> warnings;
  for (const std::string& dir : {dir_, dir_ + "/missing"}) {
    auto newest = ReadNewestCheckpoint(dir, kCpu, &warnings);
    ASSERT_TRUE(newest.ok()) << newest.status();
    EXPECT_FALSE(newest->has_value());
  }
  EXPECT_THAT(warnings, IsEmpty());
}

TEST_F(CheckpointTest, UnwritableDirectoryIsAClearError) {
  const std::string file = dir_ + "/a-file";
  std::ofstream(file) << "x";
  const absl::Status prepared = PrepareCheckpointDir(file + "/checkpoints");
  EXPECT_EQ(prepared.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(prepared.message(), HasSubstr("--checkpoint_dir " + file + "/checkpoints"));
  const absl::Status saved = SaveCheckpoint(file, State(1), *trained_.model, *trained_.optimizer);
  EXPECT_EQ(saved.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(saved.message(), HasSubstr("creating " + file + "/.checkpoint-000000000001.pt.tmp"));
}

TEST_F(CheckpointTest, PrepareCreatesTheDirectoryAndLeavesNothingInIt) {
  const std::string dir = dir_ + "/a/b";
  ASSERT_TRUE(PrepareCheckpointDir(dir).ok());
  EXPECT_THAT(FileNames(dir), IsEmpty());
}

TEST_F(CheckpointTest, RestoreIntoAnotherModelShapeFails) {
  Save(3);
  Trained wider(1, /*width=*/8);
  auto loaded = LoadedCheckpoint::Read(CheckpointPath(dir_, 3), kCpu);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const absl::Status s = loaded->Restore(wider.model.get(), wider.optimizer.get());
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("does not fit this model"));
}

}  // namespace
}  // namespace actiscope::trainer
