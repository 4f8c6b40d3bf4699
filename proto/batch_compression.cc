// CompressBatch and DecompressBatch (grammar in histogram_codec.h): a FrameBatch with its delta
// frames' step, layout and integer stats made relative to their base frame, then zstd.
#include <zstd.h>

#include <string>
#include <tuple>
#include <vector>

#include "absl/base/casts.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/varint.h"
#include "proto/histogram_codec.h"
#include "proto/layout_convert.h"

namespace actiscope::codec {
namespace {

// For each frame, the index of its delta base (the previous frame of its series), or -1 for
// absolute frames and delta frames without one (DecodeBatchCounts rejects those).
std::vector<int> BaseIndices(const v1::FrameBatch& batch) {
  std::vector<int> base(batch.frames_size(), -1);
  absl::flat_hash_map<std::tuple<absl::string_view, int, uint32_t>, int> last;
  for (int i = 0; i < batch.frames_size(); ++i) {
    const v1::Frame& frame = batch.frames(i);
    auto key = std::make_tuple(absl::string_view(frame.layer()), static_cast<int>(frame.kind()),
                               frame.rank());
    if (frame.delta()) {
      auto it = last.find(key);
      if (it != last.end()) base[i] = it->second;
    }
    last[key] = i;
  }
  return base;
}

uint64_t Relative(uint64_t value, uint64_t base) {
  return ZigZag(static_cast<int64_t>(value - base));
}
uint64_t Absolute(uint64_t relative, uint64_t base) {
  return base + static_cast<uint64_t>(UnZigZag(relative));
}

// Applies Relative (to_wire) or Absolute to each integer stat of `frame` against `base`.
void MapStats(const v1::HistogramStats& base, bool to_wire, v1::HistogramStats* stats) {
  const auto map = [to_wire](uint64_t v, uint64_t b) {
    return to_wire ? Relative(v, b) : Absolute(v, b);
  };
  stats->set_elements(map(stats->elements(), base.elements()));
  stats->set_below(map(stats->below(), base.below()));
  stats->set_above(map(stats->above(), base.above()));
  stats->set_zeros(map(stats->zeros(), base.zeros()));
  stats->set_nonfinite(map(stats->nonfinite(), base.nonfinite()));
  // XOR of the bit patterns is its own inverse: close values share their high bytes, which
  // become zero bytes that zstd's literal coding makes cheap.
  const auto flip = [](float v, float b) {
    return absl::bit_cast<float>(absl::bit_cast<uint32_t>(v) ^ absl::bit_cast<uint32_t>(b));
  };
  stats->set_min(flip(stats->min(), base.min()));
  stats->set_max(flip(stats->max(), base.max()));
  stats->set_sum(flip(stats->sum(), base.sum()));
  stats->set_sum_squares(flip(stats->sum_squares(), base.sum_squares()));
}

}  // namespace

std::string CompressBatch(const v1::FrameBatch& batch, int zstd_level) {
  v1::FrameBatch wire = batch;
  const std::vector<int> base = BaseIndices(batch);
  for (int i = 0; i < wire.frames_size(); ++i) {
    if (base[i] < 0) continue;
    const v1::Frame& b = batch.frames(base[i]);
    v1::Frame* frame = wire.mutable_frames(i);
    frame->set_step(static_cast<int64_t>(static_cast<uint64_t>(frame->step()) -
                                         static_cast<uint64_t>(b.step())));
    if (FromWire(frame->layout()) == FromWire(b.layout())) frame->clear_layout();
    MapStats(b.stats(), /*to_wire=*/true, frame->mutable_stats());
  }
  const std::string raw = wire.SerializeAsString();
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), zstd_level);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

absl::StatusOr<uint64_t> BatchContentSize(absl::string_view data) {
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::InvalidArgumentError(
        "zstd_batch: not a zstd frame with its content size in the header");
  }
  return size;
}

absl::StatusOr<v1::FrameBatch> DecompressBatch(absl::string_view data, size_t max_bytes) {
  absl::StatusOr<uint64_t> content_size = BatchContentSize(data);
  if (!content_size.ok()) return content_size.status();
  const uint64_t size = *content_size;
  if (size > max_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("zstd_batch: decompresses to ", size,
                                                     " bytes, over the limit of ", max_bytes));
  }
  std::string raw(size, '\0');
  const size_t n = ZSTD_decompress(raw.data(), raw.size(), data.data(), data.size());
  if (ZSTD_isError(n) || n != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "zstd_batch: corrupt zstd data: ", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short"));
  }
  v1::FrameBatch batch;
  if (!batch.ParseFromString(raw)) {
    return absl::InvalidArgumentError("zstd_batch: decompressed bytes are not a FrameBatch");
  }
  // Bases come first, so each is absolute again by the time its delta frames need it.
  const std::vector<int> base = BaseIndices(batch);
  for (int i = 0; i < batch.frames_size(); ++i) {
    if (base[i] < 0) continue;
    const v1::Frame& b = batch.frames(base[i]);
    v1::Frame* frame = batch.mutable_frames(i);
    frame->set_step(static_cast<int64_t>(static_cast<uint64_t>(frame->step()) +
                                         static_cast<uint64_t>(b.step())));
    if (!frame->has_layout()) *frame->mutable_layout() = b.layout();
    MapStats(b.stats(), /*to_wire=*/false, frame->mutable_stats());
  }
  return batch;
}

}  // namespace actiscope::codec
