// The one-cycle learning-rate and momentum schedule of fastai's fit_one_cycle, as pure math.
// The trainer multiplies each parameter group's peak rate by LrScale and sets Adam's beta1 to
// Beta1 before every step.
//
// Phase 1 (the first pct_start of the steps): the rate rises from peak/div to peak and beta1 falls
// from mom_high to mom_low, both along half a cosine. Phase 2: the rate falls to peak/div_final and
// beta1 rises back to mom_high, again along half a cosine.
//
// Thread-safety: immutable after construction.
#ifndef ACTISCOPE_TRAINER_OPTIM_SCHEDULE_H_
#define ACTISCOPE_TRAINER_OPTIM_SCHEDULE_H_

#include <cstdint>

namespace actiscope::trainer {

struct OneCycleParams {
  double pct_start = 0.25;
  double div = 25;
  double div_final = 1e5;
  double mom_high = 0.95;
  double mom_low = 0.85;
};

struct ScheduleValue {
  double lr_scale;  // Multiplies the peak learning rate.
  double beta1;     // Adam's first-moment coefficient (momentum).
};

class OneCycleSchedule {
 public:
  // total_steps < 1 is treated as 1.
  explicit OneCycleSchedule(int64_t total_steps, OneCycleParams params = {});

  // The value for `step` (0-based); steps past the end get the final value.
  ScheduleValue At(int64_t step) const;

 private:
  int64_t total_steps_;
  OneCycleParams params_;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_OPTIM_SCHEDULE_H_
