#include "proto/histogram_codec.h"

#include <zstd.h>

#include <tuple>

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "proto/bin_layout.h"
#include "proto/status_macros.h"

namespace actiscope::codec {

void PutVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

bool GetVarint(absl::string_view data, size_t* pos, uint64_t* value) {
  if (*pos < data.size() && static_cast<uint8_t>(data[*pos]) < 0x80) {
    *value = static_cast<uint8_t>(data[(*pos)++]);
    return true;
  }
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (*pos >= data.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(data[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = result;
      return true;
    }
  }
  return false;
}

void EncodeCounts(absl::Span<const uint64_t> counts, absl::Span<const uint64_t> base,
                  std::string* out) {
  for (size_t i = 0; i < counts.size(); ++i) {
    const uint64_t b = base.empty() ? 0 : base[i];
    PutVarint(ZigZag(static_cast<int64_t>(counts[i] - b)), out);
  }
}

absl::Status DecodeCounts(absl::string_view data, absl::Span<const uint64_t> base, size_t bins,
                          std::vector<uint64_t>* out) {
  if (!base.empty() && base.size() != bins) {
    return absl::InvalidArgumentError(
        absl::StrCat("counts: delta base has ", base.size(), " bins, expected ", bins));
  }
  out->resize(bins);
  size_t pos = 0;
  for (size_t i = 0; i < bins; ++i) {
    uint64_t raw;
    if (!GetVarint(data, &pos, &raw)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "counts: truncated or malformed at bin ", i, " of ", bins, " (", data.size(),
          " bytes)"));
    }
    const int64_t delta = UnZigZag(raw);
    const uint64_t b = base.empty() ? 0 : base[i];
    if (delta < 0 && static_cast<uint64_t>(-delta) > b) {
      return absl::InvalidArgumentError(
          absl::StrCat("counts: bin ", i, " would be negative (base ", b, ", delta ", delta, ")"));
    }
    (*out)[i] = b + static_cast<uint64_t>(delta);
  }
  if (pos != data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("counts: ", data.size() - pos,
                                                   " trailing bytes after ", bins, " bins"));
  }
  return absl::OkStatus();
}

namespace {

absl::Status FrameError(int index, const v1::Frame& frame, absl::string_view what) {
  std::string layer = frame.layer().substr(0, 64);
  return absl::InvalidArgumentError(absl::StrCat("frame ", index, " (layer \"", layer,
                                                 frame.layer().size() > 64 ? "...\"" : "\"",
                                                 ", step ", frame.step(), "): ", what));
}

}  // namespace

absl::StatusOr<std::vector<std::vector<uint64_t>>> DecodeBatchCounts(
    const v1::FrameBatch& batch) {
  std::vector<std::vector<uint64_t>> decoded(batch.frames_size());
  absl::flat_hash_map<std::tuple<absl::string_view, int, uint32_t>, int> last_index;
  last_index.reserve(64);
  for (int i = 0; i < batch.frames_size(); ++i) {
    const v1::Frame& frame = batch.frames(i);
    if (absl::Status s = ValidateLayout(frame.layout()); !s.ok()) {
      return FrameError(i, frame, s.message());
    }
    auto key = std::make_tuple(absl::string_view(frame.layer()), static_cast<int>(frame.kind()),
                               frame.rank());
    absl::Span<const uint64_t> base;
    if (frame.delta()) {
      auto it = last_index.find(key);
      if (it == last_index.end()) {
        return FrameError(i, frame, "delta frame without an earlier frame of its series");
      }
      if (!SameLayout(batch.frames(it->second).layout(), frame.layout())) {
        return FrameError(i, frame, "delta frame's layout differs from its base frame");
      }
      base = decoded[it->second];
    }
    if (absl::Status s = DecodeCounts(frame.counts(), base, frame.layout().bins(), &decoded[i]);
        !s.ok()) {
      return FrameError(i, frame, s.message());
    }
    const v1::HistogramStats& st = frame.stats();
    uint64_t total = st.below() + st.above() + st.nonfinite();
    for (uint64_t c : decoded[i]) total += c;
    if (total != st.elements()) {
      return FrameError(i, frame,
                        absl::StrCat("counts do not match the layout and stats: bins + below + "
                                     "above + nonfinite = ",
                                     total, " but elements = ", st.elements()));
    }
    last_index[key] = i;
  }
  return decoded;
}

std::string CompressBatch(const v1::FrameBatch& batch) {
  const std::string raw = batch.SerializeAsString();
  std::string out(ZSTD_compressBound(raw.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), raw.data(), raw.size(), kBatchZstdLevel);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

absl::StatusOr<v1::FrameBatch> DecompressBatch(absl::string_view data, size_t max_bytes) {
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return absl::InvalidArgumentError(
        "zstd_batch: not a zstd frame with its content size in the header");
  }
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
  return batch;
}

void FrameBatchBuilder::AddFrame(v1::Frame frame, absl::Span<const uint64_t> counts) {
  auto key = std::make_tuple(frame.layer(), static_cast<int>(frame.kind()), frame.rank());
  auto it = previous_.find(key);
  const bool delta = it != previous_.end() && SameLayout(it->second.layout, frame.layout()) &&
                     it->second.counts.size() == counts.size();
  std::string encoded;
  EncodeCounts(counts, delta ? absl::Span<const uint64_t>(it->second.counts)
                             : absl::Span<const uint64_t>(),
               &encoded);
  frame.set_counts(std::move(encoded));
  frame.set_delta(delta);
  Previous& previous = previous_[std::move(key)];
  previous.layout = frame.layout();
  previous.counts.assign(counts.begin(), counts.end());
  *batch_.add_frames() = std::move(frame);
}

void FrameBatchBuilder::AddScalar(v1::Scalar scalar) { *batch_.add_scalars() = std::move(scalar); }

v1::FrameBatch FrameBatchBuilder::Take() {
  v1::FrameBatch out = std::move(batch_);
  batch_.Clear();
  previous_.clear();
  return out;
}

}  // namespace actiscope::codec
