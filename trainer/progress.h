// Terminal progress for a training run: on a TTY, one bar per epoch redrawn in place with
// steps/s, loss and ETA; otherwise a plain line every `line_interval` (log-friendly).
//
// Flow: the training loop calls StartEpoch, Step after every step, and EndEpoch.
// Thread-safety: not thread-safe; call from the training thread only.
#ifndef ACTISCOPE_TRAINER_PROGRESS_H_
#define ACTISCOPE_TRAINER_PROGRESS_H_

#include <cstdint>
#include <cstdio>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace actiscope::trainer {

class Progress {
 public:
  // `out` is not owned and must outlive this object.
  Progress(std::FILE* out, bool tty, absl::Duration line_interval = absl::Seconds(10));

  void StartEpoch(int64_t epoch, int64_t epochs, int64_t steps_in_epoch);
  // `done` steps of this epoch are finished; `loss` is the last step's loss.
  void Step(int64_t done, double loss);
  void EndEpoch(double train_loss, double test_error_rate);

 private:
  void Draw(int64_t done, double loss, double steps_per_s);

  std::FILE* out_;
  bool tty_;
  absl::Duration line_interval_;
  int64_t epoch_ = 0;
  int64_t epochs_ = 0;
  int64_t steps_in_epoch_ = 0;
  absl::Time epoch_start_;
  absl::Time last_output_;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_PROGRESS_H_
