// The histogram plan, the scalar kernel and the float entry points of histogram.h.
#include "client/histogram_kernel.h"

#include <xmmintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "common/histogram_merge.h"

namespace actiscope::client {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// The smallest float >= e, so that for every float x: x < e  <=>  x < RoundUp(e).
float RoundUp(double e) {
  float f = static_cast<float>(e);
  if (static_cast<double>(f) < e) f = std::nextafter(f, kInf);
  return f;
}

// Fits log2(m) on [1, 2) by least squares in (m - 1) of degree 5 and measures its error.
Log2Poly FitLog2() {
  constexpr int kTerms = 6;
  constexpr int kSamples = 4096;
  double ata[kTerms][kTerms + 1] = {};
  for (int s = 0; s < kSamples; ++s) {
    double u = (s + 0.5) / kSamples;
    double y = std::log2(1 + u);
    double pw[kTerms];
    pw[0] = 1;
    for (int i = 1; i < kTerms; ++i) pw[i] = pw[i - 1] * u;
    for (int i = 0; i < kTerms; ++i) {
      for (int j = 0; j < kTerms; ++j) ata[i][j] += pw[i] * pw[j];
      ata[i][kTerms] += pw[i] * y;
    }
  }
  for (int col = 0; col < kTerms; ++col) {  // Gaussian elimination; the matrix is SPD.
    for (int row = col + 1; row < kTerms; ++row) {
      double f = ata[row][col] / ata[col][col];
      for (int k = col; k <= kTerms; ++k) ata[row][k] -= f * ata[col][k];
    }
  }
  double coef[kTerms];
  for (int row = kTerms - 1; row >= 0; --row) {
    double v = ata[row][kTerms];
    for (int k = row + 1; k < kTerms; ++k) v -= ata[row][k] * coef[k];
    coef[row] = v / ata[row][row];
  }
  Log2Poly poly{};
  for (int i = 0; i < kTerms; ++i) poly.c[i] = static_cast<float>(coef[i]);
  for (int s = 0; s <= 1 << 16; ++s) {
    float u = static_cast<float>(s) / (1 << 16);
    float p = poly.c[5];
    for (int i = 4; i >= 0; --i) p = p * u + poly.c[i];
    poly.max_error = std::max(poly.max_error, std::abs(p - std::log2(1.0 + u)));
  }
  return poly;
}

}  // namespace

const Log2Poly& Log2Approximation() {
  static const Log2Poly poly = FitLog2();
  return poly;
}

namespace {
constexpr unsigned kFlushDenormals = 0x8040;  // MXCSR: FTZ (bit 15) and DAZ (bit 6).
}  // namespace

ScopedExactDenormals::ScopedExactDenormals() : saved_(_mm_getcsr()) {
  if ((saved_ & kFlushDenormals) != 0) _mm_setcsr(saved_ & ~kFlushDenormals);
}

ScopedExactDenormals::~ScopedExactDenormals() {
  if ((saved_ & kFlushDenormals) != 0) _mm_setcsr(saved_);
}

HistogramPlan::HistogramPlan(const BinLayout& s)
    : layout(s), log_scale(s.scale == BinScale::kLogMagnitude), bins(s.bins) {
  const ScopedExactDenormals exact_denormals;
  const std::vector<double> e = BinEdges(s);
  edges.reserve(bins + 3);
  edges.push_back(-kInf);
  for (double edge : e) edges.push_back(RoundUp(edge));
  edges.push_back(kInf);
  double origin_d, scale_d, error;  // error: bound on |t_computed - t| besides |t| * 2^-22.
  if (log_scale) {
    origin_d = std::log2(s.lo);
    scale_d = bins / (std::log2(s.hi) - origin_d);
    error = scale_d * (3 * Log2Approximation().max_error + 3e-5 + std::abs(origin_d) * 2e-7);
  } else {
    origin_d = s.lo;
    scale_d = bins / (s.hi - s.lo);
    error = (2 * std::abs(origin_d) * scale_d + 2.0 * bins + 4) * 2.4e-7;
  }
  origin = static_cast<float>(origin_d);
  scale = static_cast<float>(scale_d);
  near_edge = static_cast<float>(4 * error + (bins + 2) * 2.4e-7 + 1e-6);
  exact_only =
      !std::isfinite(origin) || !std::isfinite(scale) || scale <= 0 || !(near_edge < 0.25f);
}

uint32_t ExactSlot(const HistogramPlan& plan, float x, int32_t guess) {
  const float v = plan.log_scale ? std::abs(x) : x;
  const int32_t last = static_cast<int32_t>(plan.bins) + 1;
  int32_t s = std::clamp(guess, 0, last);
  while (s > 0 && v < plan.edges[s]) --s;
  while (s < last && v >= plan.edges[s + 1]) ++s;
  return static_cast<uint32_t>(s);
}

int32_t SlotGuess(const HistogramPlan& plan, float x) {
  if (plan.exact_only) return 0;
  const float t = plan.log_scale ? std::log2(std::abs(x)) : x;
  const float pos =
      std::clamp((t - plan.origin) * plan.scale, -1.0f, static_cast<float>(plan.bins));
  return static_cast<int32_t>(std::floor(pos)) + 1;
}

HistogramAccumulator::HistogramAccumulator(const HistogramPlan& p)
    : plan(&p), slots(p.bins + 3, 0), min(kInf), max(-kInf) {}

void HistogramAccumulator::Add(const float* values, size_t n) {
  Accumulate(BestKernelPath(), values, n, this);
}

void ChunkStats::AddTo(HistogramAccumulator* acc) const {
  acc->zeros += zeros;
  acc->min = std::min(acc->min, min);
  acc->max = std::max(acc->max, max);
  acc->sum += sum;
  acc->sum_squares += sum_squares;
}

void HistogramAccumulator::Merge(const HistogramAccumulator& other) {
  for (size_t i = 0; i < slots.size(); ++i) slots[i] += other.slots[i];
  zeros += other.zeros;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  sum += other.sum;
  sum_squares += other.sum_squares;
}

HistogramResult HistogramAccumulator::Result() const {
  HistogramResult r;
  const uint32_t bins = plan->bins;
  r.counts.assign(slots.begin() + 1, slots.begin() + 1 + bins);
  r.below = slots[0];
  r.above = slots[bins + 1];
  r.nonfinite = slots[bins + 2];
  r.zeros = zeros;
  for (uint64_t c : slots) r.elements += c;
  const bool any_finite = r.elements > r.nonfinite;
  r.min = any_finite ? min : 0;
  r.max = any_finite ? max : 0;
  r.sum = sum;
  r.sum_squares = sum_squares;
  return r;
}

void AccumulateScalar(const float* values, size_t n, HistogramAccumulator* acc) {
  const HistogramPlan& plan = *acc->plan;
  const uint32_t nonfinite_slot = plan.bins + 2;
  for (size_t i = 0; i < n; ++i) {
    const float x = values[i];
    if (!(std::abs(x) <= std::numeric_limits<float>::max())) {
      ++acc->slots[nonfinite_slot];
      continue;
    }
    acc->zeros += x == 0;
    acc->min = std::min(acc->min, x);
    acc->max = std::max(acc->max, x);
    acc->sum += x;
    acc->sum_squares += static_cast<double>(x) * x;
    ++acc->slots[ExactSlot(plan, x, SlotGuess(plan, x))];
  }
}

HistogramResult ComputeHistogram(const float* values, size_t n, const BinLayout& layout) {
  if (!ValidateLayout(layout).ok()) {
    HistogramResult r;
    r.counts.assign(std::min<uint32_t>(layout.bins, kMaxBins), 0);
    r.elements = r.nonfinite = n;
    return r;
  }
  HistogramPlan plan(layout);
  HistogramAccumulator acc(plan);
  acc.Add(values, n);
  return acc.Result();
}

void MergeHistogram(const HistogramResult& other, HistogramResult* into) {
  AddHistogram(other, into);
}

}  // namespace actiscope::client
