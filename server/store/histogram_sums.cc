#include "server/store/histogram_sums.h"

#include <algorithm>

namespace actiscope::server {

void AddSums(const HistogramSums& h, HistogramSums* into) {
  if (into->counts.size() < h.counts.size()) into->counts.resize(h.counts.size(), 0);
  for (size_t i = 0; i < h.counts.size(); ++i) into->counts[i] += h.counts[i];
  if (HasFiniteValues(h)) {
    if (HasFiniteValues(*into)) {
      into->min = std::min(into->min, h.min);
      into->max = std::max(into->max, h.max);
    } else {
      into->min = h.min;
      into->max = h.max;
    }
  }
  into->below += h.below;
  into->above += h.above;
  into->zeros += h.zeros;
  into->nonfinite += h.nonfinite;
  into->elements += h.elements;
  into->sum += h.sum;
  into->sum_squares += h.sum_squares;
}

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
