#include "common/bin_layout.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace actiscope {

absl::Status ValidateLayout(const BinLayout& layout) {
  if (layout.bins < 1 || layout.bins > kMaxBins) {
    return absl::InvalidArgumentError(
        absl::StrCat("bin layout: bins must be in [1, ", kMaxBins, "], got ", layout.bins));
  }
  if (!std::isfinite(layout.lo) || !std::isfinite(layout.hi)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bin layout: lo and hi must be finite, got lo=", layout.lo, " hi=", layout.hi));
  }
  if (!(layout.lo < layout.hi)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bin layout: lo must be below hi, got lo=", layout.lo, " hi=", layout.hi));
  }
  switch (layout.scale) {
    case BinScale::kLinear:
      // BinEdges steps by hi - lo: past the largest double its edges would be inf and NaN.
      if (!std::isfinite(layout.hi - layout.lo)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bin layout: hi - lo must be a finite double, got lo=", layout.lo, " hi=", layout.hi));
      }
      return absl::OkStatus();
    case BinScale::kLogMagnitude:
      if (!(layout.lo > 0)) {
        return absl::InvalidArgumentError(
            absl::StrCat("bin layout: log-magnitude bins need lo > 0, got lo=", layout.lo));
      }
      // BinEdges steps by powers of hi / lo: past the largest double its edges would be inf.
      if (!std::isfinite(layout.hi / layout.lo)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "bin layout: hi / lo must be a finite double, got lo=", layout.lo, " hi=", layout.hi));
      }
      return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      absl::StrCat("bin layout: unknown scale ", static_cast<int>(layout.scale),
                   " (use BIN_SCALE_LINEAR or BIN_SCALE_LOG_MAGNITUDE)"));
}

std::vector<double> BinEdges(const BinLayout& layout) {
  const uint32_t bins = layout.bins;
  std::vector<double> edges(bins + 1);
  for (uint32_t i = 0; i <= bins; ++i) {
    const double t = static_cast<double>(i) / bins;
    edges[i] = layout.scale == BinScale::kLogMagnitude
                   ? layout.lo * std::pow(layout.hi / layout.lo, t)
                   : layout.lo + (layout.hi - layout.lo) * t;
  }
  edges[bins] = layout.hi;
  return edges;
}

}  // namespace actiscope
