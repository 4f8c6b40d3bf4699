// The one codec for histogram counts on the wire, used by the client to encode and by the
// server to decode (storage has its own block format, see server/store/series_block.h).
//
// Count encoding (Frame.counts), a bit stream packed least significant bit first
// (common/bit_io.h), empty for zero bins:
//   counts   := offset:6 residual{bins} pad
//   residual := Rice(zigzag(c[i] - p[i]), k[i])   (Rice codes and their escape: bit_io.h)
//   pad      := zero bits up to the next byte boundary; nothing may follow
// The prediction p[i] is, for a delta frame (Frame.delta), bin i of the previous frame of the
// same (layer, kind, rank) in the same FrameBatch (weight w = 1), and for an absolute frame
// the previous bin c[i-1], with p[0] = 0 (w = 2). zigzag(d) = (d << 1) ^ (d >> 63) on the 64-bit
// two's complement difference. The Rice parameter follows the size of the prediction:
//   k[i] = min(56, max(0, w * bitlen(p[i]) + offset - 16) >> 1)   (56: kMaxRiceParameter)
// with bitlen(0) = 0 and bitlen(v) = floor(log2(v)) + 1. Step-to-step noise of a bin grows
// like the square root of its count (w = 1), the bin-to-bin change like the count (w = 2); the
// encoder picks the offset (0-63) that makes the frame shortest.
//
// Batch compression (PushRequest.zstd_batch): zstd, with the content size in the zstd frame
// header, of a serialized FrameBatch in which each delta frame whose base frame (as above)
// exists holds these fields relative to its base:
//   step                                    step - base.step (64-bit two's complement)
//   stats.{elements,below,above,zeros,nonfinite}  zigzag(value - base.value)
//   stats.{min,max,sum,sum_squares}         the float's bits XOR the base's bits
//   layout                                  absent when equal to the base's (it must be)
// Consecutive frames of a series share their layout and element count, and their steps and
// other counts are close, so the relative values are small or zero (and then not serialized).
// DecompressBatch restores the absolute values; a FrameBatch sent uncompressed
// (PushRequest.batch) holds absolute values.
//
// Thread-safety: all functions are pure; FrameBatchBuilder is not thread-safe.
#ifndef ACTISCOPE_PROTO_HISTOGRAM_CODEC_H_
#define ACTISCOPE_PROTO_HISTOGRAM_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "actiscope/v1/histogram.pb.h"
#include "common/bin_layout.h"

namespace actiscope::codec {

// Appends the encoding of `counts` to `out`. `base` is empty (absolute) or has counts.size()
// entries (delta).
void EncodeCounts(absl::Span<const uint64_t> counts, absl::Span<const uint64_t> base,
                  std::string* out);

// Decodes exactly `bins` counts from `data` into `out` (resized to `bins`). `base` is empty or
// has `bins` entries. INVALID_ARGUMENT when data is truncated, has trailing bytes or nonzero
// padding bits, or a count would fall below zero or above 2^64 - 1.
[[nodiscard]] absl::Status DecodeCounts(absl::string_view data, absl::Span<const uint64_t> base,
                                        size_t bins, std::vector<uint64_t>* out);

// Decodes every frame's counts in `batch`, resolving delta frames, and validates each frame's
// layout (ValidateLayout, common/bin_layout.h) and its counts against its stats: sum(counts) +
// below + above + nonfinite must equal elements. Returns one vector of counts per frame, in
// frame order. INVALID_ARGUMENT naming the frame (index, layer, step) otherwise.
[[nodiscard]] absl::StatusOr<std::vector<std::vector<uint64_t>>> DecodeBatchCounts(
    const v1::FrameBatch& batch);

// zstd level used by CompressBatch. Worth its CPU: 4-5 us per histogram on the reporter's thread
// at 64 steps per batch against 0.7 at level 3 (client_wire_bench's level table), about 0.02 ms
// of a 15-20 ms step with five probes (all the reporter's threads take 0.036 ms per step more
// than without probes, trainer_gated_bench.py), and it keeps a real run at 47.0 wire bytes per
// histogram against 49.1 at level 3 (tests/bench/real_run_bench.sh; goal <= 48).
inline constexpr int kBatchZstdLevel = 15;

// Serializes and compresses `batch` for PushRequest.zstd_batch at `zstd_level` (other levels
// are for client_wire_bench, which weighs each level's bytes against its CPU time).
std::string CompressBatch(const v1::FrameBatch& batch, int zstd_level = kBatchZstdLevel);

// The size DecompressBatch would decompress `data` to, from its zstd frame header, without
// decompressing; INVALID_ARGUMENT when the header does not say.
[[nodiscard]] absl::StatusOr<uint64_t> BatchContentSize(absl::string_view data);

// Inverse of CompressBatch. RESOURCE_EXHAUSTED when the decompressed size would exceed
// `max_bytes`; INVALID_ARGUMENT when the data is not a zstd frame of a FrameBatch.
[[nodiscard]] absl::StatusOr<v1::FrameBatch> DecompressBatch(absl::string_view data,
                                                             size_t max_bytes);

// Builds a FrameBatch, delta-encoding each frame against the previous frame of the same
// (layer, kind, rank) with the same layout in this batch.
//
// Example:
//   FrameBatchBuilder builder;
//   builder.AddFrame(std::move(frame), counts);  // frame.counts/delta are filled in.
//   v1::FrameBatch batch = builder.Take();
class FrameBatchBuilder {
 public:
  void AddFrame(v1::Frame frame, absl::Span<const uint64_t> counts);
  void AddScalar(v1::Scalar scalar);
  size_t frame_count() const { return static_cast<size_t>(batch_.frames_size()); }
  // Returns the batch and starts a new, empty one.
  v1::FrameBatch Take();

 private:
  using SeriesKey = std::tuple<std::string, int, uint32_t>;  // layer, kind, rank
  struct Previous {
    BinLayout layout;
    std::vector<uint64_t> counts;
  };
  v1::FrameBatch batch_;
  std::map<SeriesKey, Previous> previous_;
};

}  // namespace actiscope::codec

#endif  // ACTISCOPE_PROTO_HISTOGRAM_CODEC_H_
