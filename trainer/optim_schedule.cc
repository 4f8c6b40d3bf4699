#include "trainer/optim_schedule.h"

#include <algorithm>
#include <cmath>

namespace actiscope::trainer {
namespace {

constexpr double kPi = 3.14159265358979323846;

// fastai's SchedCos: start at pos 0, end at pos 1, along half a cosine.
double CosBetween(double start, double end, double pos) {
  return start + (1 + std::cos(kPi * (1 - pos))) * (end - start) / 2;
}

}  // namespace

OneCycleSchedule::OneCycleSchedule(int64_t total_steps, OneCycleParams params)
    : total_steps_(std::max<int64_t>(total_steps, 1)), params_(params) {}

ScheduleValue OneCycleSchedule::At(int64_t step) const {
  const double pos =
      std::clamp(static_cast<double>(step) / static_cast<double>(total_steps_), 0.0, 1.0);
  const OneCycleParams& p = params_;
  if (pos < p.pct_start) {
    const double phase = pos / p.pct_start;
    return {CosBetween(1 / p.div, 1, phase), CosBetween(p.mom_high, p.mom_low, phase)};
  }
  const double phase = p.pct_start >= 1 ? 1 : (pos - p.pct_start) / (1 - p.pct_start);
  return {CosBetween(1, 1 / p.div_final, phase), CosBetween(p.mom_low, p.mom_high, phase)};
}

}  // namespace actiscope::trainer
