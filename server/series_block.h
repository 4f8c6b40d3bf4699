// The packed storage format of a segment: consecutive steps of one series (run, layer, kind,
// rank) in one blob, so that SQLite stores and indexes one row per many histograms.
//
// Grammar (all varints are LEB128 as in proto/histogram_codec.h; zz() is zigzag):
//   block   := zstd(body)                      content size in the zstd frame header
//   body    := varint{1 (format)} varint{n >= 1} varint{bins}
//              steps counts{n} col(below) col(above) col(zeros) col(nonfinite) col(elements)
//              fplane(min) fplane(max) fplane(sum) fplane(sum_squares)
//   steps   := varint{step_0} varint{step_i - step_(i-1)}{n-1}    strictly ascending
//   counts  := EncodeCounts(counts_i, base = counts_(i-1), absolute for i = 0)
//   col(v)  := varint{zz(v_i - v_(i-1))}{n}                        v_(-1) = 0
//   fplane  := 4 planes of n bytes, most significant byte first, of bits(f_i) ^ bits(f_(i-1))
//              with f the value as a float32 and bits(f_(-1)) = 0
// Columns (rather than one record per step) put like bytes together; the float byte planes
// leave sign and exponent bytes mostly zero, which zstd then squeezes.
//
// Precision: counts and the integer stats round-trip exactly; min and max are float32 already;
// sum and sum_squares are stored as float32 (about 7 significant digits), enough for the mean
// and standard deviation the views show, and half of what a segment would otherwise spend.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_SERIES_BLOCK_H_
#define ACTISCOPE_SERVER_SERIES_BLOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/store_types.h"

namespace actiscope::server {

struct StepHistogram {
  int64_t step = 0;
  HistogramSums values;
};

// zstd level of the blocks: fast enough for ingest, most of the gain of higher levels.
inline constexpr int kBlockZstdLevel = 3;

// Encodes `steps` (non-empty, steps strictly ascending, each with `bins` counts).
std::string EncodeSeriesBlock(uint32_t bins, absl::Span<const StepHistogram> steps);

// Decodes a block written by EncodeSeriesBlock for a series of `bins` bins. DATA_LOSS when the
// blob is not such a block.
absl::StatusOr<std::vector<StepHistogram>> DecodeSeriesBlock(absl::string_view blob,
                                                             uint32_t bins);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_SERIES_BLOCK_H_
