#include "server/store/series_block.h"

#include <zstd.h>

#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/bit_io.h"
#include "common/report_limits.h"
#include "common/varint.h"

namespace actiscope::server {
namespace {

constexpr uint64_t kFormat = 3;
constexpr int kPredictorSteps = 4;
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

// Predicts a count column's next value as the floor of the mean of its last (up to)
// kPredictorSteps values. Encoder and decoder run the same arithmetic (wrapping alike).
class Predictor {
 public:
  uint64_t Next() const {
    if (count_ == 0) return 0;
    return count_ >= kPredictorSteps ? sum_ / kPredictorSteps : sum_ / count_;
  }
  void Push(uint64_t v) {
    uint64_t& slot = window_[count_ % kPredictorSteps];
    if (count_ >= kPredictorSteps) sum_ -= slot;
    slot = v;
    sum_ += v;
    ++count_;
  }

 private:
  uint64_t window_[kPredictorSteps] = {};
  uint64_t sum_ = 0;
  size_t count_ = 0;
};

// The Rice parameter that codes `z` in about the fewest bits (escapes aside).
int BestRiceParameter(const std::vector<uint64_t>& z) {
  if (z.empty()) return 0;
  uint64_t total = 0;
  for (uint64_t v : z) total += v;
  const uint64_t mean = total / z.size();
  int guess = 0;
  while (guess < 55 && (uint64_t{1} << (guess + 1)) <= mean) ++guess;
  const int first = std::max(0, guess - 2);
  uint64_t q0 = 0, q1 = 0, q2 = 0, q3 = 0;
  for (uint64_t v : z) {
    const uint64_t q = v >> first;
    q0 += q;
    q1 += q >> 1;
    q2 += q >> 2;
    q3 += q >> 3;
  }
  const uint64_t quotients[4] = {q0, q1, q2, q3};
  int best = first;
  uint64_t best_bits = UINT64_MAX;
  for (int j = 0; j < 4; ++j) {
    const uint64_t bits = quotients[j] + z.size() * static_cast<uint64_t>(first + j + 1);
    if (bits < best_bits) {
      best_bits = bits;
      best = first + j;
    }
  }
  return best;
}

template <typename Get>
void PutColumn(size_t n, Get get, std::string* out) {
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = get(i);
    PutVarint(ZigZag(static_cast<int64_t>(v - prev)), out);
    prev = v;
  }
}

template <typename Get>
void PutFloatPlanes(size_t n, Get get, std::string* out) {
  const size_t start = out->size();
  out->resize(start + 4 * n);
  char* planes = &(*out)[start];
  uint32_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t bits = FloatBits(get(i));
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
  bool Varint(uint64_t* v) { return GetVarint(data_, &pos_, v); }
  bool Bytes(size_t n, absl::string_view* out) {
    if (data_.size() - pos_ < n) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  absl::string_view rest() const { return data_.substr(pos_); }

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
    prev += static_cast<uint64_t>(UnZigZag(z));
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

bool SameAsStored(const HistogramSums& a, const HistogramSums& b) {
  return a.counts == b.counts && a.below == b.below && a.above == b.above && a.zeros == b.zeros &&
         a.nonfinite == b.nonfinite && a.elements == b.elements &&
         FloatBits(a.min) == FloatBits(b.min) && FloatBits(a.max) == FloatBits(b.max) &&
         FloatBits(static_cast<float>(a.sum)) == FloatBits(static_cast<float>(b.sum)) &&
         FloatBits(static_cast<float>(a.sum_squares)) ==
             FloatBits(static_cast<float>(b.sum_squares));
}

std::string EncodeSeriesBlock(uint32_t bins, absl::Span<const int64_t> steps,
                              absl::Span<const HistogramSums* const> values) {
  const size_t n = steps.size();
  std::string body;
  body.reserve(n * 32 + bins * 3 + 16);
  PutVarint(n, &body);
  PutVarint(bins, &body);
  int64_t prev_step = 0;
  for (int64_t step : steps) {
    PutVarint(static_cast<uint64_t>(step - prev_step), &body);
    prev_step = step;
  }
  for (uint64_t c : values[0]->counts) PutVarint(c, &body);
  PutColumn(
      n, [&](size_t i) { return values[i]->below; }, &body);
  PutColumn(
      n, [&](size_t i) { return values[i]->above; }, &body);
  PutColumn(
      n, [&](size_t i) { return values[i]->zeros; }, &body);
  PutColumn(
      n, [&](size_t i) { return values[i]->nonfinite; }, &body);
  PutColumn(
      n, [&](size_t i) { return values[i]->elements; }, &body);
  PutFloatPlanes(
      n, [&](size_t i) { return values[i]->min; }, &body);
  PutFloatPlanes(
      n, [&](size_t i) { return values[i]->max; }, &body);
  PutFloatPlanes(
      n, [&](size_t i) { return static_cast<float>(values[i]->sum); }, &body);
  PutFloatPlanes(
      n, [&](size_t i) { return static_cast<float>(values[i]->sum_squares); }, &body);
  std::string block;
  block.reserve(body.size() / 2 + n * bins);
  PutVarint(kFormat, &block);
  const size_t head_at = block.size();
  block.resize(head_at + ZSTD_compressBound(body.size()));
  // One context per thread: creating one per call costs more than compressing a head.
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(ZSTD_createCCtx(),
                                                                       ZSTD_freeCCtx);
  const size_t head_size = ZSTD_compressCCtx(cctx.get(), &block[head_at], block.size() - head_at,
                                             body.data(), body.size(), kBlockZstdLevel);
  block.resize(ZSTD_isError(head_size) ? head_at : head_at + head_size);
  {
    BitWriter bits(&block);
    std::vector<uint64_t> z(n - 1);
    std::vector<uint64_t> columns(n * bins);  // Column-major: bin b's counts at [b * n].
    for (size_t i = 0; i < n; ++i) {
      const uint64_t* counts = values[i]->counts.data();
      for (uint32_t b = 0; b < bins; ++b) columns[b * n + i] = counts[b];
    }
    for (uint32_t b = 0; b < bins; ++b) {
      const uint64_t* col = &columns[b * n];
      Predictor predictor;
      predictor.Push(col[0]);
      for (size_t i = 1; i < n; ++i) {
        z[i - 1] = ZigZag(static_cast<int64_t>(col[i] - predictor.Next()));
        predictor.Push(col[i]);
      }
      const int k = BestRiceParameter(z);
      bits.Put(static_cast<uint64_t>(k), 6);
      for (uint64_t v : z) bits.PutRice(v, k);
    }
  }
  return block;
}

absl::StatusOr<std::vector<StepHistogram>> DecodeSeriesBlock(absl::string_view blob,
                                                             uint32_t bins) {
  size_t pos = 0;
  uint64_t format;
  if (!GetVarint(blob, &pos, &format) || format != kFormat) {
    return Corrupt("unknown format");
  }
  const absl::string_view frame = blob.substr(pos);
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxBodyBytes ||
      ZSTD_isError(frame_size)) {
    return Corrupt("not a zstd frame with a valid content size");
  }
  std::string body(size, '\0');
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                                       ZSTD_freeDCtx);
  const size_t got =
      ZSTD_decompressDCtx(dctx.get(), body.data(), body.size(), frame.data(), frame_size);
  if (ZSTD_isError(got) || got != size) return Corrupt("zstd decompression failed");

  Reader r(body);
  uint64_t n, stored_bins;
  if (!r.Varint(&n) || n == 0 || n > size) return Corrupt("bad histogram count");
  if (!r.Varint(&stored_bins) || stored_bins != bins) {
    return Corrupt(absl::StrCat("bins ", stored_bins, " differ from the series' ", bins));
  }
  std::vector<StepHistogram> steps(n);
  int64_t step = 0;
  for (StepHistogram& s : steps) {
    uint64_t d;
    if (!r.Varint(&d)) return Corrupt("truncated steps");
    // Stored steps are at most kMaxStep: a larger one is damage (and must not overflow).
    if (d > static_cast<uint64_t>(kMaxStep - step)) return Corrupt("step beyond 2^53 - 1");
    step += static_cast<int64_t>(d);
    s.step = step;
    s.values.counts.resize(bins);
  }
  for (uint64_t& c : steps[0].values.counts) {
    if (!r.Varint(&c)) return Corrupt("truncated counts");
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
  if (!ok || !r.rest().empty()) return Corrupt("truncated stats or trailing bytes");
  const absl::string_view bit_data = frame.substr(frame_size);
  BitReader bits(bit_data);
  for (uint32_t b = 0; b < bins; ++b) {
    uint64_t k;
    if (!bits.Get(6, &k) || k > 56) return Corrupt("bad rice parameter");
    Predictor predictor;
    predictor.Push(steps[0].values.counts[b]);
    for (size_t i = 1; i < n; ++i) {
      uint64_t z;
      if (!bits.GetRice(static_cast<int>(k), &z)) return Corrupt("truncated counts");
      const uint64_t count = predictor.Next() + static_cast<uint64_t>(UnZigZag(z));
      steps[i].values.counts[b] = count;
      predictor.Push(count);
    }
  }
  if (bits.consumed() != bit_data.size()) return Corrupt("trailing bytes");
  return steps;
}

}  // namespace actiscope::server
