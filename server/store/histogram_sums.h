// Adding histograms together: summing HistogramSums, used by ingest (summary buckets) and by
// queries (heatmap columns), so both give identical results. The rule is the one the client's
// MergeHistogram follows too (common/histogram_merge.h):
//
// Counts, below/above/zeros/nonfinite/elements, sum and sum_squares add. min and max are the
// min of mins and max of maxes over the histograms that had finite values
// (elements > nonfinite); a sum without finite values has min = max = 0.
//
// Thread-safety: plain values; not synchronized.
#ifndef ACTISCOPE_SERVER_STORE_HISTOGRAM_SUMS_H_
#define ACTISCOPE_SERVER_STORE_HISTOGRAM_SUMS_H_

#include <cstdint>

#include "server/store/store_types.h"

namespace actiscope::server {

// Adds `h` into `into` (AddHistogram of common/histogram_merge.h); `into->counts` is sized to
// h.counts when empty.
void AddSums(const HistogramSums& h, HistogramSums* into);

// A sum of the histograms of a step range, with which steps it holds.
struct StepRangeSums {
  int64_t step_from = -1;  // -1 while empty.
  int64_t step_to = -1;
  uint32_t histograms = 0;
  HistogramSums sums;

  bool empty() const { return histograms == 0; }
  void AddStep(int64_t step, const HistogramSums& h);
  void Merge(const StepRangeSums& other);
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_HISTOGRAM_SUMS_H_
