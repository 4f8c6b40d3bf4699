#include "proto/histogram_codec.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/bit_io.h"
#include "common/status_macros.h"
#include "common/varint.h"
#include "proto/layout_convert.h"

namespace actiscope::codec {

namespace {

constexpr int kOffsetBits = 6;
constexpr int kOffsetBias = 16;

int BitLength(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// k[i] of the grammar: the Rice parameter of a residual predicted by `prediction`.
inline int RiceParameter(uint64_t prediction, int weight, int offset) {
  const int twice = weight * BitLength(prediction) + offset - kOffsetBias;
  return std::min(kMaxRiceParameter, std::max(0, twice) >> 1);
}

// Bits of the Rice code of z with parameter k.
inline uint64_t RiceBits(uint64_t z, int k) {
  const uint64_t q = z >> k;
  return q >= kRiceEscape ? kRiceEscape + 64 : q + 1 + static_cast<uint64_t>(k);
}

}  // namespace

void EncodeCounts(absl::Span<const uint64_t> counts, absl::Span<const uint64_t> base,
                  std::string* out) {
  if (counts.empty()) return;
  const bool delta = !base.empty();
  const int weight = delta ? 1 : 2;
  std::vector<uint64_t> z(counts.size());
  std::vector<uint64_t> prediction(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) {
    prediction[i] = delta ? base[i] : (i == 0 ? 0 : counts[i - 1]);
    z[i] = ZigZag(static_cast<int64_t>(counts[i] - prediction[i]));
  }
  // The total size is about convex in the offset: walk downhill from a typical value.
  const auto cost = [&](int offset) {
    uint64_t bits = 0;
    for (size_t i = 0; i < z.size(); ++i) {
      bits += RiceBits(z[i], RiceParameter(prediction[i], weight, offset));
    }
    return bits;
  };
  constexpr int kMaxOffset = (1 << kOffsetBits) - 1;
  int offset = kOffsetBias + 1;
  uint64_t best = cost(offset);
  for (int direction : {1, -1}) {
    while (offset + direction >= 0 && offset + direction <= kMaxOffset) {
      const uint64_t next = cost(offset + direction);
      if (next >= best) break;
      best = next;
      offset += direction;
    }
  }
  BitWriter bits(out);
  bits.Put(static_cast<uint64_t>(offset), kOffsetBits);
  for (size_t i = 0; i < z.size(); ++i) {
    bits.PutRice(z[i], RiceParameter(prediction[i], weight, offset));
  }
}

absl::Status DecodeCounts(absl::string_view data, absl::Span<const uint64_t> base, size_t bins,
                          std::vector<uint64_t>* out) {
  if (!base.empty() && base.size() != bins) {
    return absl::InvalidArgumentError(
        absl::StrCat("counts: delta base has ", base.size(), " bins, expected ", bins));
  }
  out->resize(bins);
  BitReader bits(data);
  const auto malformed = [&](size_t i) {
    return absl::InvalidArgumentError(absl::StrCat("counts: truncated or malformed at bin ", i,
                                                   " of ", bins, " (", data.size(), " bytes)"));
  };
  uint64_t offset = 0;
  if (bins > 0 && !bits.Get(kOffsetBits, &offset)) return malformed(0);
  const int weight = base.empty() ? 2 : 1;
  uint64_t previous = 0;
  for (size_t i = 0; i < bins; ++i) {
    const uint64_t b = base.empty() ? previous : base[i];
    uint64_t z;
    if (!bits.GetRice(RiceParameter(b, weight, static_cast<int>(offset)), &z)) {
      return malformed(i);
    }
    const int64_t delta = UnZigZag(z);
    // Magnitudes in uint64: negating INT64_MIN, which a hostile peer can send, is undefined.
    const uint64_t magnitude =
        delta < 0 ? ~static_cast<uint64_t>(delta) + 1 : static_cast<uint64_t>(delta);
    if (delta < 0 && magnitude > b) {
      return absl::InvalidArgumentError(
          absl::StrCat("counts: bin ", i, " would be negative (base ", b, ", delta ", delta, ")"));
    }
    if (delta > 0 && magnitude > UINT64_MAX - b) {
      return absl::InvalidArgumentError(
          absl::StrCat("counts: bin ", i, " overflows 64 bits (base ", b, ", delta ", delta, ")"));
    }
    previous = (*out)[i] = delta < 0 ? b - magnitude : b + magnitude;
  }
  if (bits.consumed() != data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("counts: ", data.size() - bits.consumed(),
                                                   " trailing bytes after ", bins, " bins"));
  }
  if (!bits.PaddingIsZero()) {
    return absl::InvalidArgumentError(
        absl::StrCat("counts: nonzero padding bits after ", bins, " bins"));
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

absl::StatusOr<std::vector<std::vector<uint64_t>>> DecodeBatchCounts(const v1::FrameBatch& batch) {
  std::vector<std::vector<uint64_t>> decoded(batch.frames_size());
  absl::flat_hash_map<std::tuple<absl::string_view, int, uint32_t>, int> last_index;
  last_index.reserve(64);
  for (int i = 0; i < batch.frames_size(); ++i) {
    const v1::Frame& frame = batch.frames(i);
    const BinLayout layout = FromWire(frame.layout());
    if (absl::Status s = ValidateLayout(layout); !s.ok()) {
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
      if (FromWire(batch.frames(it->second).layout()) != layout) {
        return FrameError(i, frame, "delta frame's layout differs from its base frame");
      }
      base = decoded[it->second];
    }
    if (absl::Status s = DecodeCounts(frame.counts(), base, layout.bins, &decoded[i]); !s.ok()) {
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

void FrameBatchBuilder::AddFrame(v1::Frame frame, absl::Span<const uint64_t> counts) {
  auto key = std::make_tuple(frame.layer(), static_cast<int>(frame.kind()), frame.rank());
  auto it = previous_.find(key);
  const BinLayout layout = FromWire(frame.layout());
  const bool delta = it != previous_.end() && it->second.layout == layout &&
                     it->second.counts.size() == counts.size();
  std::string encoded;
  EncodeCounts(counts,
               delta ? absl::Span<const uint64_t>(it->second.counts) : absl::Span<const uint64_t>(),
               &encoded);
  frame.set_counts(std::move(encoded));
  frame.set_delta(delta);
  Previous& previous = previous_[std::move(key)];
  previous.layout = layout;
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
