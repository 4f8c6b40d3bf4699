// Terminal progress for a training run: on a TTY, one bar per epoch redrawn in place with
// steps/s, loss and ETA; otherwise a plain line every `line_interval` (log-friendly). Other
// lines (the collector's alerts) go through Note, which keeps them off the bar.
//
// Flow: the training loop calls StartEpoch, Step after every step, Note for a line of its own
// at any time, and EndEpoch.
// Thread-safety: not thread-safe; call from the training thread only.
#ifndef ACTISCOPE_TRAINER_PROGRESS_H_
#define ACTISCOPE_TRAINER_PROGRESS_H_

#include <cstdint>
#include <cstdio>

#include "absl/strings/string_view.h"
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
  // Prints `line` (without its newline) on a line of its own. On a TTY with a bar on screen,
  // the bar is erased first and redrawn below it, so neither is garbled.
  void Note(absl::string_view line);

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
  // The bar on screen (TTY only), with what it showed, for Note to redraw it.
  bool bar_shown_ = false;
  int64_t shown_done_ = 0;
  double shown_loss_ = 0;
  double shown_steps_per_s_ = 0;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_PROGRESS_H_
