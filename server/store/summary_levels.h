// Multi-resolution summaries: the bucket widths of the summary levels and the format of a
// summary row's data. Ingest seals a bucket (writes its row) once its series has stored a step
// past it; queries over wide ranges sum bucket rows instead of decoding every step.
//
// Summary data grammar (varints as in proto/histogram_codec.h):
//   data := varint{bins} varint{count}{bins} varint{below} varint{above} varint{zeros}
//           varint{nonfinite} varint{elements} f32{min} f32{max} f64{sum} f64{sum_squares}
// with fixed-width values little-endian.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_STORE_SUMMARY_LEVELS_H_
#define ACTISCOPE_SERVER_STORE_SUMMARY_LEVELS_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Bucket width in steps of each level; bucket = step / width. Each level is 8x the previous,
// so a query at any zoom reads between 1x and 8x its column count in rows.
inline constexpr std::array<int64_t, 5> kSummaryWidths = {64, 512, 4096, 32768, 262144};
inline constexpr int kSummaryLevels = static_cast<int>(kSummaryWidths.size());

std::string EncodeSummary(const HistogramSums& sums);
// DATA_LOSS when `data` is not a summary of `bins` bins.
absl::Status DecodeSummary(absl::string_view data, uint32_t bins, HistogramSums* sums);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SUMMARY_LEVELS_H_
