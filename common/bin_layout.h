// Bin layouts: how a histogram maps values to bins, the one type for it in every stage. The
// client bins tensors with it (and its public API takes it, so this header is installed with
// the client), the trainer configures probes with it, the store keeps it per series, and the
// edges convert it to and from actiscope.v1.BinLayout (proto/layout_convert.h).
//
// A linear layout has `bins` equal-width bins over [lo, hi): x < lo counts as below, x >= hi
// as above. A log-magnitude layout has `bins` bins of |x| whose edges are
// lo * (hi/lo)^(i/bins), i = 0..bins: |x| < lo (exact zeros included) counts as below,
// |x| >= hi as above.
//
// Example:
//   actiscope::BinLayout layout{actiscope::BinScale::kLinear, 40, -2, 2};
//   if (absl::Status s = actiscope::ValidateLayout(layout); !s.ok()) { ... }
//   std::vector<double> edges = actiscope::BinEdges(layout);  // 41 edges, -2 .. 2.
//
// Thread-safety: plain values and pure functions.
#ifndef ACTISCOPE_COMMON_BIN_LAYOUT_H_
#define ACTISCOPE_COMMON_BIN_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"

namespace actiscope {

// Values match actiscope.v1.BinScale (and the `scale` column of the store's series table). A
// layout read from the wire may hold any other value; ValidateLayout rejects it.
enum class BinScale : int { kLinear = 1, kLogMagnitude = 2 };

inline constexpr uint32_t kMaxBins = 1024;

// The default is 40 linear bins over [0, 10), as fastai's ActivationStats.
struct BinLayout {
  BinScale scale = BinScale::kLinear;
  uint32_t bins = 40;
  double lo = 0;
  double hi = 10;

  // True when both layouts bin values identically (exact comparison of the bounds).
  bool operator==(const BinLayout& o) const {
    return scale == o.scale && bins == o.bins && lo == o.lo && hi == o.hi;
  }
  bool operator!=(const BinLayout& o) const { return !(*this == o); }
};

// 48 log-spaced bins of |x| over [1e-8, 1e4) (4 per decade).
inline BinLayout LogMagnitudeBins() { return {BinScale::kLogMagnitude, 48, 1e-8, 1e4}; }

// OK when 1 <= bins <= kMaxBins, lo and hi are finite, lo < hi, the scale is known and, for
// log-magnitude, lo > 0. Otherwise INVALID_ARGUMENT naming the offending value.
[[nodiscard]] absl::Status ValidateLayout(const BinLayout& layout);

// The bins + 1 ascending bin edges of a valid layout; the last is exactly hi.
std::vector<double> BinEdges(const BinLayout& layout);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_BIN_LAYOUT_H_
