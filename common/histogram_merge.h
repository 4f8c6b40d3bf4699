// The one rule for adding two histograms of the same bin layout, shared by the client
// (MergeHistogram, actiscope/client/histogram.h) and the store (AddSums,
// server/store/histogram_sums.h), so that a histogram merged on the client and histograms summed
// into a heatmap column or summary bucket follow the same arithmetic.
//
// Counts, below, above, zeros, nonfinite, elements, sum and sum_squares add. min and max are the
// min of mins and the max of maxes over the histograms that had finite values
// (elements > nonfinite); when neither had any, `into` keeps its min and max (0 in a fresh sum).
// `into->counts` grows to `h.counts.size()` when shorter (a fresh sum starts empty).
//
// H is any struct with these members: a vector-like `counts` of integers, integer `below`,
// `above`, `zeros`, `nonfinite` and `elements`, and arithmetic `min`, `max`, `sum` and
// `sum_squares` (the client's HistogramResult holds min/max in double, the store's
// HistogramSums in float).
//
// Thread-safety: pure functions on plain values.
#ifndef ACTISCOPE_COMMON_HISTOGRAM_MERGE_H_
#define ACTISCOPE_COMMON_HISTOGRAM_MERGE_H_

#include <algorithm>
#include <cstddef>

namespace actiscope {

// True when `h` summarizes at least one finite value.
template <typename H>
bool HasFiniteValues(const H& h) {
  return h.elements > h.nonfinite;
}

// Adds `h` into `*into` by the rule of the file comment.
template <typename H>
void AddHistogram(const H& h, H* into) {
  if (HasFiniteValues(h)) {
    if (HasFiniteValues(*into)) {
      into->min = std::min(into->min, h.min);
      into->max = std::max(into->max, h.max);
    } else {
      into->min = h.min;
      into->max = h.max;
    }
  }
  if (into->counts.size() < h.counts.size()) into->counts.resize(h.counts.size(), 0);
  for (size_t i = 0; i < h.counts.size(); ++i) into->counts[i] += h.counts[i];
  into->below += h.below;
  into->above += h.above;
  into->zeros += h.zeros;
  into->nonfinite += h.nonfinite;
  into->elements += h.elements;
  into->sum += h.sum;
  into->sum_squares += h.sum_squares;
}

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_HISTOGRAM_MERGE_H_
