// The packed storage format of a segment: consecutive steps of one series (run, layer, kind,
// rank) in one blob, so that SQLite stores and indexes one row per many histograms.
//
// Grammar (varints are LEB128 as in proto/histogram_codec.h; zz() is zigzag):
//   block   := varint{3 (format)} zstd(head) bits
//              zstd(head) is one zstd frame with its content size in the frame header
//   head    := varint{n >= 1} varint{bins} steps varint{counts_0[b]}{bins}
//              col(below) col(above) col(zeros) col(nonfinite) col(elements)
//              fplane(min) fplane(max) fplane(sum) fplane(sum_squares)
//   steps   := varint{step_0} varint{step_i - step_(i-1)}{n-1}    strictly ascending
//   col(v)  := varint{zz(v_i - v_(i-1))}{n}                        v_(-1) = 0
//   fplane  := 4 planes of n bytes, most significant byte first, of bits(f_i) ^ bits(f_(i-1))
//              with f the value as a float32 and bits(f_(-1)) = 0
//   bits    := per bin b: u6{k_b} rice_k_b(zz(counts_i[b] - pred_i[b])) for i = 1..n-1,
//              bit-packed (common/bit_io.h), zero-padded to a byte
//   pred_i  := floor(mean of counts_(i-1) .. counts_(i-4)[b], those that exist)
// Counts of consecutive steps differ by sampling noise; predicting from the mean of the last
// four steps cuts that noise's variance by a third against the previous step alone, and a
// Rice code with its parameter chosen per bin and block comes within a few percent of the
// noise's entropy; zstd would not shrink those bits, so only the head goes through zstd, where
// it squeezes the stats (sign and exponent bytes of the float planes are mostly zero).
//
// Precision: counts and the integer stats round-trip exactly; min and max are float32 already;
// sum and sum_squares are stored as float32 (about 7 significant digits), enough for the mean
// and standard deviation the views show.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_SERVER_STORE_SERIES_BLOCK_H_
#define ACTISCOPE_SERVER_STORE_SERIES_BLOCK_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "server/store/store_types.h"

namespace actiscope::server {

struct StepHistogram {
  int64_t step = 0;
  HistogramSums values;
};

// zstd level of block heads: the fastest; higher levels gain little on these few bytes.
inline constexpr int kBlockZstdLevel = 1;

// Encodes histograms `values` at `steps` (same length >= 1, steps strictly ascending, each
// with `bins` counts).
std::string EncodeSeriesBlock(uint32_t bins, absl::Span<const int64_t> steps,
                              absl::Span<const HistogramSums* const> values);

// True when `a` and `b` are stored alike by a series block, which is how ingest tells a re-sent
// frame (equal) from a conflicting one: equal counts, below, above, zeros, nonfinite and
// elements, min and max bit for bit, and sum and sum_squares as the float32 values a block
// keeps (see Precision above; two frames whose sums differ only beyond float32 precision are
// equal). A histogram decoded from a block is equal to the one it was encoded from.
bool SameAsStored(const HistogramSums& a, const HistogramSums& b);

// Decodes a block written by EncodeSeriesBlock for a series of `bins` bins. DATA_LOSS when the
// blob is not such a block.
absl::StatusOr<std::vector<StepHistogram>> DecodeSeriesBlock(absl::string_view blob, uint32_t bins);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SERIES_BLOCK_H_
