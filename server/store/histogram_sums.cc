#include "server/store/histogram_sums.h"

#include "common/histogram_merge.h"

namespace actiscope::server {

void AddSums(const HistogramSums& h, HistogramSums* into) { AddHistogram(h, into); }

void StepRangeSums::AddStep(int64_t step, const HistogramSums& h) {
  AddSums(h, &sums);
  if (histograms == 0 || step < step_from) step_from = step;
  if (histograms == 0 || step > step_to) step_to = step;
  ++histograms;
}

void StepRangeSums::Merge(const StepRangeSums& other) {
  if (other.empty()) return;
  AddSums(other.sums, &sums);
  if (histograms == 0 || other.step_from < step_from) step_from = other.step_from;
  if (histograms == 0 || other.step_to > step_to) step_to = other.step_to;
  histograms += other.histograms;
}

}  // namespace actiscope::server
