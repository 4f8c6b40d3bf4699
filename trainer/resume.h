// Where a training run starts: fresh, or where the newest checkpoint in --checkpoint_dir left it
// (--resume), with the model, the optimizer and LibTorch's default CPU generator restored. Also
// the generator capture that each saved checkpoint carries (checkpoint.h has the file format).
//
// Distributed runs: every rank holds the same model and optimizer state (the same initialization,
// broadcast from rank 0, and averaged gradients), so rank 0 alone saves and every rank loads the
// same checkpoint. --checkpoint_dir must therefore name one directory that every rank reads (all
// ranks on one machine, or a shared filesystem); CheckRanksAgree refuses a resume where a rank
// found another checkpoint than rank 0.
//
// Flow: Train() calls StartFromCheckpoint once, after building the model and the optimizer and
// before the rendezvous, then CheckRanksAgree when world_size > 1; rank 0 fills
// CheckpointState::generator_state from CpuGeneratorState() for every SaveCheckpoint.
// Thread-safety: call from the training thread; the generator is LibTorch's global one.
#ifndef ACTISCOPE_TRAINER_RESUME_H_
#define ACTISCOPE_TRAINER_RESUME_H_

#include <torch/torch.h>

#include <cstdint>
#include <cstdio>
#include <optional>

#include "absl/status/statusor.h"
#include "trainer/checkpoint.h"
#include "trainer/distributed.h"
#include "trainer/train_options.h"

namespace actiscope::trainer {

// Without options.resume: nullopt; rank 0 first creates options.checkpoint_dir (when set) and
// refuses one that already holds checkpoints (FAILED_PRECONDITION: pass --resume or choose
// another directory). With it: the newest checkpoint that reads back, already restored into
// `model`, `optimizer` and the CPU generator, or nullopt (and a line on `log` saying so) when the
// directory holds none. Skipped damaged checkpoints are reported on `log`. Errors of
// PrepareCheckpointDir, ReadNewestCheckpoint and Restore; INVALID_ARGUMENT when
// options.run_id or options.run_name is set and differs from the checkpoint's; FAILED_PRECONDITION
// when CheckResumableConfig refuses or the schedule spans another number of steps than
// `schedule_steps`.
absl::StatusOr<std::optional<CheckpointState>> StartFromCheckpoint(
    const TrainOptions& options, int64_t schedule_steps, torch::Device device,
    torch::nn::Module* model, torch::optim::Optimizer* optimizer, std::FILE* log);

// Every rank passes what StartFromCheckpoint returned. FAILED_PRECONDITION on every rank when
// some rank starts otherwise than rank 0 (fresh against resumed, or another checkpoint); errors
// of the process group.
absl::Status CheckRanksAgree(ProcessGroup* process_group,
                             const std::optional<CheckpointState>& start,
                             const std::string& checkpoint_dir);

// A copy of LibTorch's default CPU generator state, for CheckpointState::generator_state.
torch::Tensor CpuGeneratorState();

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_RESUME_H_
