// Bin layouts: validation and bin edges for actiscope.v1.BinLayout, shared by the client's
// histogram kernel, the server's ingest validation and every renderer of a heatmap.
//
// A linear layout has `bins` equal-width bins over [lo, hi). A log-magnitude layout has `bins`
// bins of |x| whose edges are lo * (hi/lo)^(i/bins), i = 0..bins.
#ifndef ACTISCOPE_PROTO_BIN_LAYOUT_H_
#define ACTISCOPE_PROTO_BIN_LAYOUT_H_

#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "actiscope/v1/histogram.pb.h"

namespace actiscope {

inline constexpr uint32_t kMaxBins = 1024;

// OK when 1 <= bins <= kMaxBins, lo and hi are finite, lo < hi, the scale is known and, for
// log-magnitude, lo > 0. Otherwise INVALID_ARGUMENT naming the offending value.
[[nodiscard]] absl::Status ValidateLayout(const v1::BinLayout& layout);

// The bins + 1 ascending bin edges of a valid layout.
std::vector<double> BinEdges(const v1::BinLayout& layout);

// True when both layouts bin values identically.
bool SameLayout(const v1::BinLayout& a, const v1::BinLayout& b);

}  // namespace actiscope

#endif  // ACTISCOPE_PROTO_BIN_LAYOUT_H_
