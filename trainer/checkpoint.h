// Checkpoints of a training run on disk: everything a killed run needs to continue exactly where
// it stopped (model parameters and buffers, optimizer state, the data order and the step), written
// so that a kill at any moment never damages the newest complete checkpoint.
//
// Location: DIR/checkpoint-<step>.pt, <step> in 12 decimal digits: the steps the run had completed
// (the first step a resumed run takes). A save writes DIR/.checkpoint-<step>.pt.tmp, fsyncs it and
// renames it into place (checksummed_file.h), then keeps the new file and the newest older
// checkpoint: other checkpoints (older ones, and newer ones abandoned by a resume from an older
// checkpoint) and temp files left by a killed save are removed (best effort).
//
// Format: a checksummed file (checksummed_file.h: body, then CRC-32 and length) whose body is a
// torch::serialize::OutputArchive (PyTorch's zip format) holding
//   "format" int (kCheckpointFormat); "step", "epoch", "epoch_position", "schedule_steps" int;
//   "epoch_loss_sum" double; "run_id", "run_name" str; "config_keys", "config_values" str lists;
//   "epoch_order" int64 tensor; "generator_state" uint8 tensor;
//   "model" archive (torch::nn::Module::save: parameters and buffers, by name);
//   "optimizer" archive (torch::optim::Optimizer::save: param groups and per-parameter state
//   such as Adam's moments or SGD's momentum buffers).
//
// Flow: rank 0 of the trainer calls SaveCheckpoint every --checkpoint_every steps and at the end;
// every rank calls ReadNewestCheckpoint then Restore once at start with --resume (resume.h).
// Thread-safety: free functions and a LoadedCheckpoint used by one thread; one writer per DIR.
#ifndef ACTISCOPE_TRAINER_CHECKPOINT_H_
#define ACTISCOPE_TRAINER_CHECKPOINT_H_

#include <torch/torch.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace actiscope::trainer {

inline constexpr int64_t kCheckpointFormat = 1;

// Where a run stood after its `step`th step, besides the model and the optimizer.
struct CheckpointState {
  int64_t step = 0;            // Steps completed: a resumed run takes step `step` next.
  int64_t epoch = 0;           // The epoch of the last completed step.
  int64_t epoch_position = 0;  // Steps of `epoch` completed (all of them at an epoch's end).
  double epoch_loss_sum = 0;   // Sum of those steps' losses, for the epoch's train_loss.
  int64_t schedule_steps = 0;  // The steps the learning-rate schedule spans.
  std::string run_id;
  std::string run_name;
  std::map<std::string, std::string> config;  // ConfigMap() of the run's options.
  torch::Tensor epoch_order;  // int64: `epoch`'s permutation of all ranks' training images.
  // LibTorch's default CPU generator as it was when the checkpoint was taken (after
  // epoch_order was drawn), so the epochs after it draw the same permutations.
  torch::Tensor generator_state;
};

// DIR/checkpoint-<step>.pt.
std::string CheckpointPath(const std::string& dir, int64_t step);

// The steps of the checkpoint files in `dir` (by name, unverified), ascending; empty when `dir`
// does not exist. INTERNAL (with the path) when it cannot be listed.
absl::StatusOr<std::vector<int64_t>> ListCheckpoints(const std::string& dir);

// Creates `dir` (and its parents) when missing and checks that a file can be created in it.
// FAILED_PRECONDITION naming the directory and the reason otherwise.
absl::Status PrepareCheckpointDir(const std::string& dir);

// Writes `state`, `model` and `optimizer` to CheckpointPath(dir, state.step) atomically, then
// prunes `dir` as described above. INTERNAL naming the file and the failed operation (errno text
// or LibTorch's message); on failure the previous checkpoints are untouched.
absl::Status SaveCheckpoint(const std::string& dir, const CheckpointState& state,
                            const torch::nn::Module& model,
                            const torch::optim::Optimizer& optimizer);

// A checkpoint file read and verified (trailer, checksum, every entry), not yet applied.
class LoadedCheckpoint {
 public:
  // DATA_LOSS naming `path` when the file is damaged, truncated or not a checkpoint of this
  // format; NOT_FOUND when it does not exist. Messages start with "checkpoint PATH". Tensors are
  // mapped to `device`, except epoch_order and generator_state, which stay on the CPU.
  static absl::StatusOr<LoadedCheckpoint> Read(const std::string& path, torch::Device device);

  const std::string& path() const { return path_; }
  const CheckpointState& state() const { return state_; }

  // Copies the saved parameters and buffers into `model` and the saved state into `optimizer`,
  // both built as they were for the save. FAILED_PRECONDITION naming the file when they do not
  // fit (a name or a shape differs); `model` and `optimizer` are then partly overwritten.
  absl::Status Restore(torch::nn::Module* model, torch::optim::Optimizer* optimizer);

 private:
  LoadedCheckpoint() = default;

  std::string path_;
  CheckpointState state_;
  torch::serialize::InputArchive model_archive_;
  torch::serialize::InputArchive optimizer_archive_;
};

// The newest checkpoint in `dir` that reads back intact; nullopt when `dir` holds none (or does
// not exist). A damaged checkpoint is skipped for the next older one, and a line naming it and
// the damage is appended to `warnings`. DATA_LOSS when `dir` holds checkpoints but none reads
// back; errors of ListCheckpoints.
absl::StatusOr<std::optional<LoadedCheckpoint>> ReadNewestCheckpoint(
    const std::string& dir, torch::Device device, std::vector<std::string>* warnings);

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_CHECKPOINT_H_
