// One training run of actiscope-train: loads the dataset, builds the model, trains it with the
// configured optimizer and schedule (data-parallel over ranks when world_size > 1), probes it
// through the client library, evaluates on the test set after every epoch (and after an early
// stop by max_steps), and reports the run spec and scalars. With checkpoint_dir, rank 0 saves
// checkpoints (checkpoint.h); with resume, the run continues from the newest one (resume.h):
// the same run id and name, steps numbered on from the checkpoint's, and the same batches and
// schedule an uninterrupted run would have had.
//
// Reported scalars: per step "loss" and "lr" (the head's rate, i.e. the peak group's schedule);
// per epoch "train_loss", "test_error_rate" and "test_accuracy" at the epoch's last step.
//
// Alerts: after every step (and once more after the reporter's Finish) the alerts the collector
// announced for this rank's series (client::Reporter::TakeAlerts, which never waits) are
// printed to stdout, each once, through Progress::Note:
//   actiscope alert at step 57: collapse on conv5_x (activation): <one-sentence message>
// where the step is the one the condition began at (", rank R" follows the kind when the run
// has several ranks).
//
// Flow: train_main.cc -> Train -> (idx_dataset, model, probes, distributed, progress).
// Thread-safety: Train uses LibTorch's global RNG seed; run one Train per process at a time.
#ifndef ACTISCOPE_TRAINER_TRAINER_H_
#define ACTISCOPE_TRAINER_TRAINER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "trainer/train_options.h"

namespace actiscope::trainer {

struct TrainResult {
  std::string run_id;
  int64_t steps = 0;              // The run's steps at the end (a resume's count from step 0).
  double last_train_loss = 0;     // Mean loss of the last epoch's steps.
  double test_error_rate = 0;     // After the last evaluation, in [0, 1].
  double steps_per_second = 0;    // This process's steps; evaluation excluded, saves included.
  double parameter_checksum = 0;  // Sum of all parameters; equal across ranks of one run.
  uint64_t frames_acked = 0;      // From the reporter's Finish.
  uint64_t frames_in_spool = 0;
  uint64_t wire_bytes = 0;  // Sent to the collector, framing included (FinishReport).
  uint64_t frames_dropped = 0;
};

// INVALID_ARGUMENT for bad options (unknown probe or lr group names, bad bins, cuda requested
// without CUDA); errors of LoadDataset, of the rendezvous, of StartFromCheckpoint and
// CheckRanksAgree (resume.h) and of SaveCheckpoint (a checkpoint that cannot be written ends
// the run); INTERNAL for LibTorch failures (the c10::Error message is kept). Telemetry problems
// never fail training: the reporter spools or counts what it could not deliver, which TrainResult
// reports.
absl::StatusOr<TrainResult> Train(const TrainOptions& options);

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_TRAINER_H_
