#include "tests/loadgen/synthetic_run.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "proto/layout_convert.h"

namespace actiscope::loadgen {
namespace {

// SplitMix64 finalizer: a cheap, well-mixed hash for deriving per-frame noise.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t FrameHash(uint64_t seed, int run_index, int layer, v1::Kind kind, int64_t step) {
  uint64_t h = Mix(seed);
  h = Mix(h ^ static_cast<uint64_t>(run_index));
  h = Mix(h ^ static_cast<uint64_t>(layer));
  h = Mix(h ^ static_cast<uint64_t>(kind));
  return Mix(h ^ static_cast<uint64_t>(step));
}

// A uniform double in [0, 1) from 53 bits of `h`.
double Unit(uint64_t h) { return static_cast<double>(h >> 11) * 0x1.0p-53; }

double NormalCdf(double x) { return 0.5 * std::erfc(-x * M_SQRT1_2); }

}  // namespace

SyntheticRun::SyntheticRun(const SyntheticRunOptions& options, int run_index)
    : options_(options),
      run_index_(run_index),
      layer_names_(options.layer_names.empty() ? LayerNames(options.layers) : options.layer_names) {
  std::mt19937_64 rng(Mix(options.seed) ^ Mix(static_cast<uint64_t>(run_index) + 1));
  std::uniform_int_distribution<uint64_t> elements(50'000, 800'000);
  std::uniform_real_distribution<double> mean0(-0.5, 0.5);
  std::uniform_real_distribution<double> std0(0.5, 2.0);
  std::uniform_real_distribution<double> drift(-1.5, 1.5);
  std::uniform_real_distribution<double> std_end(0.7, 1.4);
  std::uniform_real_distribution<double> zero_fraction(0.05, 0.4);
  for (int l = 0; l < options.layers; ++l) {
    LayerModel m;
    m.elements = elements(rng);
    m.mean0 = mean0(rng);
    m.std0 = std0(rng);
    m.mean_drift = drift(rng);
    const double end = std_end(rng);
    const bool drift = options.pattern == SyntheticPattern::kDrift;
    m.std_end = drift && l % 3 == 2 ? 0.1 : end;  // Every third layer narrows.
    // A healthy layer learns: its mean moves at least 0.75 of its spread over the run, so that
    // next to a layer that collapses it does not look frozen (alert_rules.h).
    if (!drift && std::abs(m.mean_drift) < 0.75) m.mean_drift = std::copysign(0.75, m.mean_drift);
    const double zeros = zero_fraction(rng);
    m.zero_fraction = l % 2 == 0 ? zeros : 0.0;
    m.goes_nonfinite = drift && options.layers > 1 && l == options.layers - 1;
    models_.push_back(m);
  }
}

std::vector<std::string> SyntheticRun::LayerNames(int layers) {
  static const char* const kResNet[] = {"conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x"};
  std::vector<std::string> names;
  for (int l = 0; l < layers; ++l) {
    names.push_back(layers <= 5 ? std::string(kResNet[l]) : absl::StrCat("layer_", l));
  }
  return names;
}

double SyntheticRun::KindScale(v1::Kind kind) const {
  switch (kind) {
    case v1::KIND_GRADIENT:
      return 1e-3;
    case v1::KIND_WEIGHT:
      return 0.05;
    default:
      return 1.0;
  }
}

BinLayout SyntheticRun::Layout(int layer, v1::Kind kind) const {
  const LayerModel& m = models_[layer];
  const double scale = KindScale(kind);
  return BinLayout{BinScale::kLinear, options_.bins, (m.mean0 - 4 * m.std0) * scale,
                   (m.mean0 + 4 * m.std0) * scale};
}

int64_t SyntheticRun::histograms_per_step() const {
  return static_cast<int64_t>(options_.layers) * static_cast<int64_t>(options_.kinds.size());
}

SyntheticHistogram SyntheticRun::Histogram(int layer, v1::Kind kind, int64_t step) const {
  const LayerModel& m = models_[layer];
  const double scale = KindScale(kind);
  const double t =
      static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, options_.steps));
  const uint64_t h = FrameHash(options_.seed, run_index_, layer, kind, step);
  double sigma = m.std0 * std::pow(m.std_end, std::min(t, 1.0)) * scale;
  double mu = (m.mean0 + m.mean_drift * m.std0 * std::min(t, 1.0)) * scale;
  mu += options_.noise * sigma * (Unit(Mix(h ^ 1)) - 0.5);
  sigma *= 1.0 + options_.noise * (Unit(Mix(h ^ 2)) - 0.5);

  const BinLayout layout = Layout(layer, kind);
  const uint32_t bins = layout.bins;
  const double width = (layout.hi - layout.lo) / bins;
  // The bin holding 0, when the layout's range does (as the server's collapse rule finds it).
  const bool holds_zero = layout.lo <= 0.0 && 0.0 < layout.hi;
  const uint32_t zero_bin =
      holds_zero ? std::min<uint32_t>(bins - 1, static_cast<uint32_t>((0.0 - layout.lo) / width))
                 : 0;
  if (holds_zero && kind == v1::KIND_ACTIVATION && layer == collapse_layer() &&
      options_.collapse_step >= 0 && step >= options_.collapse_step) {
    // Collapsed: a spike in the middle of the zero bin, far narrower than the bin.
    mu = layout.lo + (zero_bin + 0.5) * width;
    sigma = 0.05 * width;
  }

  SyntheticHistogram out;
  v1::HistogramStats& s = out.stats;
  const bool injected_nonfinite = layer == nonfinite_layer() && step == options_.nonfinite_step;
  const uint64_t nonfinite =
      (m.goes_nonfinite && t >= 0.9) || injected_nonfinite ? 1 + Mix(h ^ 3) % 8 : 0;
  const uint64_t finite = m.elements - nonfinite;
  const uint64_t zeros = static_cast<uint64_t>(m.zero_fraction * static_cast<double>(finite));
  const uint64_t spread = finite - zeros;

  // Cumulative rounding keeps the total exact: cum[k] counts the values below edge k.
  auto cumulative = [&](uint32_t k) {
    const double edge = layout.lo + width * k;
    return static_cast<uint64_t>(
        std::llround(static_cast<double>(spread) * NormalCdf((edge - mu) / sigma)));
  };
  out.counts.resize(bins);
  uint64_t previous = cumulative(0);
  const uint64_t below = previous;
  for (uint32_t k = 0; k < bins; ++k) {
    const uint64_t next = cumulative(k + 1);
    out.counts[k] = next - previous;
    previous = next;
  }
  uint64_t above = spread - previous;
  uint64_t below_total = below;
  if (holds_zero) {
    out.counts[zero_bin] += zeros;
  } else if (0.0 < layout.lo) {
    below_total += zeros;
  } else {
    above += zeros;
  }

  s.set_elements(m.elements);
  s.set_below(below_total);
  s.set_above(above);
  s.set_zeros(zeros);
  s.set_nonfinite(nonfinite);
  if (finite > 0) {
    double lo = mu - 4.5 * sigma;
    double hi = mu + 4.5 * sigma;
    if (zeros > 0) {
      lo = std::min(lo, 0.0);
      hi = std::max(hi, 0.0);
    }
    s.set_min(static_cast<float>(lo));
    s.set_max(static_cast<float>(hi));
    s.set_sum(static_cast<double>(spread) * mu);
    s.set_sum_squares(static_cast<double>(spread) * (sigma * sigma + mu * mu));
  }
  return out;
}

std::vector<v1::Scalar> SyntheticRun::Scalars(int64_t step) const {
  const double t = std::min(
      1.0, static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, options_.steps)));
  const uint64_t h = FrameHash(options_.seed, run_index_, -1, v1::KIND_UNSPECIFIED, step);
  std::vector<v1::Scalar> scalars(2);
  scalars[0].set_name("loss");
  scalars[0].set_value(0.1 + 2.2 * std::exp(-4.0 * t) + 0.05 * (Unit(h) - 0.5));
  scalars[1].set_name("lr");
  scalars[1].set_value(0.05 * (1.0 + std::cos(M_PI * t)));
  for (v1::Scalar& s : scalars) s.set_step(step);
  return scalars;
}

void SyntheticRun::AddSteps(int64_t from, int64_t to, codec::FrameBatchBuilder* builder) const {
  for (int64_t step = from; step < to; ++step) {
    for (int l = 0; l < options_.layers; ++l) {
      for (v1::Kind kind : options_.kinds) {
        SyntheticHistogram histogram = Histogram(l, kind, step);
        v1::Frame frame;
        frame.set_layer(layer_names_[l]);
        frame.set_kind(kind);
        frame.set_step(step);
        ToWire(Layout(l, kind), frame.mutable_layout());
        *frame.mutable_stats() = std::move(histogram.stats);
        builder->AddFrame(std::move(frame), histogram.counts);
      }
    }
    for (v1::Scalar& scalar : Scalars(step)) builder->AddScalar(std::move(scalar));
  }
}

}  // namespace actiscope::loadgen
