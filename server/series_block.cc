#include "server/series_block.h"

#include <zstd.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "proto/histogram_codec.h"

namespace actiscope::server {
namespace {

constexpr uint64_t kFormat = 1;
// A block never decompresses to more than this; guards against hostile or corrupt blobs.
constexpr size_t kMaxBodyBytes = 256u << 20;

uint32_t FloatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

float BitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

template <typename Get>
void PutColumn(absl::Span<const StepHistogram> steps, Get get, std::string* out) {
  uint64_t prev = 0;
  for (const StepHistogram& s : steps) {
    const uint64_t v = get(s);
    codec::PutVarint(codec::ZigZag(static_cast<int64_t>(v - prev)), out);
    prev = v;
  }
}

template <typename Get>
void PutFloatPlanes(absl::Span<const StepHistogram> steps, Get get, std::string* out) {
  const size_t n = steps.size();
  const size_t start = out->size();
  out->resize(start + 4 * n);
  char* planes = &(*out)[start];
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t bits = FloatBits(get(steps[i]));
    const uint32_t x = bits ^ prev;
    prev = bits;
    for (int b = 0; b < 4; ++b) planes[b * n + i] = static_cast<char>(x >> (8 * (3 - b)));
  }
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("series block: ", what));
}

class Reader {
 public:
  explicit Reader(absl::string_view data) : data_(data) {}
  bool Varint(uint64_t* v) { return codec::GetVarint(data_, &pos_, v); }
  bool Bytes(size_t n, absl::string_view* out) {
    if (data_.size() - pos_ < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  size_t pos() const { return pos_; }
  absl::string_view data() const { return data_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  absl::string_view data_;
  size_t pos_ = 0;
};

template <typename Set>
bool GetColumn(Reader* r, std::vector<StepHistogram>* steps, Set set) {
  uint64_t prev = 0;
  for (StepHistogram& s : *steps) {
    uint64_t z;
    if (!r->Varint(&z)) return false;
    prev += static_cast<uint64_t>(codec::UnZigZag(z));
    set(s, prev);
  }
  return true;
}

template <typename Set>
bool GetFloatPlanes(Reader* r, std::vector<StepHistogram>* steps, Set set) {
  const size_t n = steps->size();
  absl::string_view planes;
  if (!r->Bytes(4 * n, &planes)) return false;
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    uint32_t x = 0;
    for (int b = 0; b < 4; ++b) {
      x |= static_cast<uint32_t>(static_cast<unsigned char>(planes[b * n + i])) << (8 * (3 - b));
    }
    prev ^= x;
    set((*steps)[i], BitsFloat(prev));
  }
  return true;
}

}  // namespace

std::string EncodeSeriesBlock(uint32_t bins, absl::Span<const StepHistogram> steps) {
  std::string body;
  body.reserve(steps.size() * (bins + 24));
  codec::PutVarint(kFormat, &body);
  codec::PutVarint(steps.size(), &body);
  codec::PutVarint(bins, &body);
  int64_t prev_step = 0;
  for (const StepHistogram& s : steps) {
    codec::PutVarint(static_cast<uint64_t>(s.step - prev_step), &body);
    prev_step = s.step;
  }
  const std::vector<uint64_t>* base = nullptr;
  for (const StepHistogram& s : steps) {
    codec::EncodeCounts(s.values.counts,
                        base == nullptr ? absl::Span<const uint64_t>() : *base, &body);
    base = &s.values.counts;
  }
  PutColumn(steps, [](const StepHistogram& s) { return s.values.below; }, &body);
  PutColumn(steps, [](const StepHistogram& s) { return s.values.above; }, &body);
  PutColumn(steps, [](const StepHistogram& s) { return s.values.zeros; }, &body);
  PutColumn(steps, [](const StepHistogram& s) { return s.values.nonfinite; }, &body);
  PutColumn(steps, [](const StepHistogram& s) { return s.values.elements; }, &body);
  PutFloatPlanes(steps, [](const StepHistogram& s) { return s.values.min; }, &body);
  PutFloatPlanes(steps, [](const StepHistogram& s) { return s.values.max; }, &body);
  PutFloatPlanes(steps, [](const StepHistogram& s) { return static_cast<float>(s.values.sum); },
                 &body);
  PutFloatPlanes(
      steps, [](const StepHistogram& s) { return static_cast<float>(s.values.sum_squares); },
      &body);

  std::string block(ZSTD_compressBound(body.size()), '\0');
  const size_t n =
      ZSTD_compress(block.data(), block.size(), body.data(), body.size(), kBlockZstdLevel);
  block.resize(ZSTD_isError(n) ? 0 : n);
  return block;
}

absl::StatusOr<std::vector<StepHistogram>> DecodeSeriesBlock(absl::string_view blob,
                                                             uint32_t bins) {
  const unsigned long long size = ZSTD_getFrameContentSize(blob.data(), blob.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > kMaxBodyBytes) {
    return Corrupt("not a zstd frame with a valid content size");
  }
  std::string body(size, '\0');
  const size_t got = ZSTD_decompress(body.data(), body.size(), blob.data(), blob.size());
  if (ZSTD_isError(got) || got != size) return Corrupt("zstd decompression failed");

  Reader r(body);
  uint64_t format, n, stored_bins;
  if (!r.Varint(&format) || format != kFormat) return Corrupt("unknown format");
  if (!r.Varint(&n) || n == 0 || n > size) return Corrupt("bad histogram count");
  if (!r.Varint(&stored_bins) || stored_bins != bins) {
    return Corrupt(absl::StrCat("bins ", stored_bins, " differ from the series' ", bins));
  }
  std::vector<StepHistogram> steps(n);
  int64_t step = 0;
  for (StepHistogram& s : steps) {
    uint64_t d;
    if (!r.Varint(&d)) return Corrupt("truncated steps");
    step += static_cast<int64_t>(d);
    s.step = step;
  }
  const std::vector<uint64_t>* base = nullptr;
  for (StepHistogram& s : steps) {
    // Each count is one varint; find where this histogram's counts end to hand DecodeCounts
    // exactly its bytes.
    const size_t start = r.pos();
    for (uint32_t b = 0; b < bins; ++b) {
      uint64_t unused;
      if (!r.Varint(&unused)) return Corrupt("truncated counts");
    }
    const absl::Status status = codec::DecodeCounts(
        r.data().substr(start, r.pos() - start),
        base == nullptr ? absl::Span<const uint64_t>() : *base, bins, &s.values.counts);
    if (!status.ok()) return Corrupt(status.message());
    base = &s.values.counts;
  }
  const bool ok =
      GetColumn(&r, &steps, [](StepHistogram& s, uint64_t v) { s.values.below = v; }) &&
      GetColumn(&r, &steps, [](StepHistogram& s, uint64_t v) { s.values.above = v; }) &&
      GetColumn(&r, &steps, [](StepHistogram& s, uint64_t v) { s.values.zeros = v; }) &&
      GetColumn(&r, &steps, [](StepHistogram& s, uint64_t v) { s.values.nonfinite = v; }) &&
      GetColumn(&r, &steps, [](StepHistogram& s, uint64_t v) { s.values.elements = v; }) &&
      GetFloatPlanes(&r, &steps, [](StepHistogram& s, float f) { s.values.min = f; }) &&
      GetFloatPlanes(&r, &steps, [](StepHistogram& s, float f) { s.values.max = f; }) &&
      GetFloatPlanes(&r, &steps, [](StepHistogram& s, float f) { s.values.sum = f; }) &&
      GetFloatPlanes(&r, &steps, [](StepHistogram& s, float f) { s.values.sum_squares = f; });
  if (!ok) return Corrupt("truncated stats");
  if (!r.done()) return Corrupt("trailing bytes");
  return steps;
}

}  // namespace actiscope::server
