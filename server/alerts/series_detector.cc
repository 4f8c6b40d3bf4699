// The rules of alert_rules.h applied to one series, frame by frame (see series_detector.h).
#include "server/alerts/series_detector.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace actiscope::server {
namespace {

// Relative change of the weight moments below which a weight series counts as unchanged.
constexpr double kFrozenTolerance = 1e-12;

// Standard deviation of the finite values; 0 when there are none.
double FiniteStd(const HistogramSums& sums) {
  if (sums.elements <= sums.nonfinite) return 0;
  const double n = static_cast<double>(sums.elements - sums.nonfinite);
  const double mean = sums.sum / n;
  const double variance = sums.sum_squares / n - mean * mean;
  return variance > 0 && std::isfinite(variance) ? std::sqrt(variance) : 0;
}

// Share of the elements near zero: in the bin holding 0 of a linear layout, below lo of a
// log-magnitude one; -1 when a linear layout's range does not hold 0.
double NearZeroShare(const BinLayout& layout, const HistogramSums& sums) {
  const double n = static_cast<double>(sums.elements);
  if (layout.scale == BinScale::kLogMagnitude) return static_cast<double>(sums.below) / n;
  if (!(layout.lo <= 0 && 0 < layout.hi) || sums.counts.empty()) return -1;
  const double width = (layout.hi - layout.lo) / layout.bins;
  const size_t bin =
      std::min<size_t>(static_cast<size_t>(-layout.lo / width), sums.counts.size() - 1);
  return static_cast<double>(sums.counts[bin]) / n;
}

// The element shares of a histogram: counts folded into groups of adjacent bins (at most
// SeriesDetector::kMaxShareBins), then below and above, each over the finite elements.
void ElementShares(const HistogramSums& sums, std::vector<float>* shares) {
  const size_t bins = sums.counts.size();
  const size_t per_group =
      (bins + SeriesDetector::kMaxShareBins - 1) / SeriesDetector::kMaxShareBins;
  const size_t groups = per_group == 0 ? 0 : (bins + per_group - 1) / per_group;
  shares->assign(groups + 2, 0);
  const double scale = 1 / static_cast<double>(sums.elements - sums.nonfinite);
  for (size_t g = 0; g < groups; ++g) {
    uint64_t count = 0;
    for (size_t b = g * per_group; b < std::min(bins, (g + 1) * per_group); ++b) {
      count += sums.counts[b];
    }
    (*shares)[g] = static_cast<float>(static_cast<double>(count) * scale);
  }
  (*shares)[groups] = static_cast<float>(static_cast<double>(sums.below) * scale);
  (*shares)[groups + 1] = static_cast<float>(static_cast<double>(sums.above) * scale);
}

double RelativeChange(double now, double before) {
  const double scale = std::max(std::abs(now), std::abs(before));
  return scale == 0 ? 0 : std::abs(now - before) / scale;
}

}  // namespace

SeriesDetector::SeriesDetector(const AlertRules* rules, Kind kind) : rules_(rules), kind_(kind) {
  if (kind == Kind::kWeight) ring_.resize(static_cast<size_t>(rules->sustain_frames) + 1);
}

bool SeriesDetector::UpdateFrozenRing(const HistogramSums& sums) {
  const size_t size = ring_.size();
  ring_[static_cast<size_t>(ring_next_)] = {sums.sum, sums.sum_squares};
  ring_next_ = static_cast<int64_t>((static_cast<size_t>(ring_next_) + 1) % size);
  ring_filled_ = std::min<int64_t>(ring_filled_ + 1, static_cast<int64_t>(size));
  if (ring_filled_ < static_cast<int64_t>(size)) return false;
  // ring_next_ now points at the oldest entry: sustain_frames frames before this one.
  const std::array<double, 2>& old = ring_[static_cast<size_t>(ring_next_)];
  return RelativeChange(sums.sum, old[0]) > kFrozenTolerance ||
         RelativeChange(sums.sum_squares, old[1]) > kFrozenTolerance;
}

void SeriesDetector::UpdateMoved(const Histogram& histogram) {
  std::vector<float>& shares = scratch_shares_;
  ElementShares(histogram.values, &shares);
  if (!baseline_shares_.empty() && shares.size() != baseline_shares_.size()) return;
  if (share_frames_ < rules_->baseline_frames) {
    if (baseline_shares_.empty()) baseline_shares_.assign(shares.size(), 0);
    for (size_t i = 0; i < shares.size(); ++i) baseline_shares_[i] += shares[i];
    if (++share_frames_ < rules_->baseline_frames) return;
    for (float& share : baseline_shares_) share /= static_cast<float>(share_frames_);
    average_shares_ = baseline_shares_;
    return;
  }
  const float weight = static_cast<float>(rules_->ema_weight);
  float distance = 0;  // Twice the total-variation distance.
  for (size_t i = 0; i < shares.size(); ++i) {
    average_shares_[i] += weight * (shares[i] - average_shares_[i]);
    distance += std::abs(average_shares_[i] - baseline_shares_[i]);
  }
  moved_ = std::max(moved_, static_cast<double>(distance) / 2);
}

double SeriesDetector::reference_moved() const {
  for (AlertType type : {AlertType::kCollapse, AlertType::kDead, AlertType::kNonfinite}) {
    if (conditions_[static_cast<size_t>(type)].frames > 0) return 0;
  }
  return moved_;
}

void SeriesDetector::Observe(const Histogram& histogram, const RunContext& run,
                             std::vector<Alert>* changed) {
  if (histogram.step <= last_step_) return;
  last_step_ = histogram.step;
  const HistogramSums& sums = histogram.values;
  if (sums.elements == 0) return;
  const double nonfinite = static_cast<double>(sums.nonfinite);
  Apply({AlertType::kNonfinite, AlertSeverity::kCritical, nonfinite > 0, nonfinite, 0, 1,
         nonfinite > 0},
        histogram, changed);
  if (sums.nonfinite > 0) return;
  const double n = static_cast<double>(sums.elements);
  const double std = FiniteStd(sums);
  const bool baseline_ready = baseline_count_ >= rules_->baseline_frames;
  const double baseline = baseline_ready ? baseline_sum_ / static_cast<double>(baseline_count_) : 0;
  if (!baseline_ready) {
    baseline_sum_ += std;
    ++baseline_count_;
  }
  const double growth = baseline > 0 ? std / baseline : 0;
  // A fired alert is held until its measure is clear_margin past its threshold (hysteresis).
  const double keep = 1 - rules_->clear_margin;

  if (kind_ == Kind::kGradient) {
    Apply({AlertType::kExplodingGradient, AlertSeverity::kCritical,
           baseline > 0 && growth > rules_->gradient_growth_ratio, growth,
           rules_->gradient_growth_ratio, rules_->fast_frames,
           baseline > 0 && growth > rules_->gradient_growth_ratio * keep},
          histogram, changed);
    Apply({AlertType::kVanishingGradient, AlertSeverity::kWarning,
           baseline > 0 &&
               growth<rules_->vanish_ratio, growth, rules_->vanish_ratio, rules_->sustain_frames,
                      baseline> 0 &&
               growth < rules_->vanish_ratio / keep},
          histogram, changed);
    return;
  }
  Apply({AlertType::kExploding, AlertSeverity::kCritical,
         baseline > 0 && growth > rules_->growth_ratio, growth, rules_->growth_ratio,
         rules_->fast_frames, baseline > 0 && growth > rules_->growth_ratio * keep},
        histogram, changed);
  if (kind_ == Kind::kActivation) {
    const double above = static_cast<double>(sums.above) / n;
    Apply({AlertType::kSaturated, AlertSeverity::kWarning, above > rules_->saturated_share, above,
           rules_->saturated_share, rules_->sustain_frames, above > rules_->saturated_share * keep},
          histogram, changed);
    const double near_zero = NearZeroShare(histogram.layout, sums);
    Apply({AlertType::kCollapse, AlertSeverity::kWarning, near_zero > rules_->collapse_share,
           near_zero, rules_->collapse_share, rules_->sustain_frames,
           near_zero > rules_->collapse_share * keep},
          histogram, changed);
    const double zeros = static_cast<double>(sums.zeros) / n;
    Apply({AlertType::kDead, AlertSeverity::kWarning, zeros > rules_->dead_share, zeros,
           rules_->dead_share, rules_->sustain_frames, zeros > rules_->dead_share * keep},
          histogram, changed);
    UpdateMoved(histogram);
    const double share_of_moved = run.others_moved > 0 ? moved_ / run.others_moved : 1;
    const bool compared =
        share_frames_ >= rules_->baseline_frames && run.others_moved >= rules_->frozen_moved;
    Apply({AlertType::kFrozen, AlertSeverity::kWarning,
           compared && share_of_moved < rules_->frozen_ratio, share_of_moved, rules_->frozen_ratio,
           rules_->frozen_frames, compared && share_of_moved < rules_->frozen_ratio / keep},
          histogram, changed);
  } else {
    changing_ = UpdateFrozenRing(sums);
    const bool compared = ring_filled_ == static_cast<int64_t>(ring_.size());
    const bool frozen = compared && !changing_ && run.other_weights_changing;
    Apply({AlertType::kFrozen, AlertSeverity::kWarning, frozen, 0, kFrozenTolerance, 1, frozen},
          histogram, changed);
  }
}

void SeriesDetector::Apply(const Check& check, const Histogram& histogram,
                           std::vector<Alert>* changed) {
  Condition& c = conditions_[static_cast<size_t>(check.type)];
  bool report = false;
  bool cleared = false;
  if (c.active ? check.still : check.holds) {
    c.held_value = check.value;
    if (c.frames++ == 0) c.start_step = histogram.step;
    if (!c.active && c.frames >= check.needed_frames) {
      c.active = true;
      report = true;
    } else if (c.active && ++c.frames_since_report >= kRefreshFrames) {
      report = true;
    }
  } else {
    c.frames = 0;
    if (c.active) {
      c.active = false;
      report = cleared = true;
    }
  }
  if (!report) return;
  c.frames_since_report = 0;
  Alert& alert = changed->emplace_back();
  alert.rank = histogram.rank;
  alert.kind = histogram.kind;
  alert.layer = histogram.layer;
  alert.type = check.type;
  alert.severity = check.severity;
  alert.first_step = c.start_step;
  alert.last_step = histogram.step;
  alert.cleared = cleared;
  alert.value = c.held_value;
  alert.threshold = check.threshold;
  alert.message = AlertMessage(check.type, kind_, c.held_value, check.threshold);
}

std::string AlertMessage(AlertType type, Kind kind, double value, double threshold) {
  switch (type) {
    case AlertType::kCollapse:
      return absl::StrFormat(
          "%.0f%% of activations sit in the bin at zero (over %.0f%%): the layer has collapsed, "
          "usually from a learning rate too high or a bad initialization; lower the learning "
          "rate or add normalization.",
          100 * value, 100 * threshold);
    case AlertType::kDead:
      return absl::StrFormat(
          "%.0f%% of activations are exactly zero (over %.0f%%): the units are dead ReLUs, "
          "usually pushed negative by a large update; lower the learning rate or try LeakyReLU.",
          100 * value, 100 * threshold);
    case AlertType::kFrozen:
      if (kind == Kind::kActivation) {
        return absl::StrFormat(
            "the activations have moved %.1f%% as far from where they started as the run's "
            "most-changed layer (under %.0f%%): the layer is not learning, usually a learning "
            "rate far too small for it (discriminative rates) or frozen parameters; check its "
            "rate and requires_grad.",
            100 * value, 100 * threshold);
      }
      return "the weights have not changed while other layers train: the layer is frozen, "
             "usually requires_grad off or missing from the optimizer; check its parameters.";
    case AlertType::kExploding:
      return absl::StrFormat(
          "the spread of the %s is %.3gx its early value (over %.3gx): they are exploding, "
          "usually a learning rate too high; lower it or clip gradients.",
          kind == Kind::kWeight ? "weights" : "activations", value, threshold);
    case AlertType::kSaturated:
      return absl::StrFormat(
          "%.1f%% of values lie above the histogram's range (over %.1f%%): the layer saturates "
          "or drifts large; check the learning rate and normalization, or widen the layout.",
          100 * value, 100 * threshold);
    case AlertType::kNonfinite:
      return absl::StrFormat(
          "%.0f values are NaN or infinite: training has diverged or hit a bad input; check "
          "the loss, lower the learning rate or clip gradients.",
          value);
    case AlertType::kVanishingGradient:
      return absl::StrFormat(
          "the gradient's spread is %.3gx its early value (under %.3gx): gradients vanish, "
          "usually saturated activations or a deep unnormalized stack; add residuals or "
          "normalization.",
          value, threshold);
    case AlertType::kExplodingGradient:
      return absl::StrFormat(
          "the gradient's spread is %.3gx its early value (over %.3gx): gradients explode, "
          "usually a learning rate too high; lower it or clip gradients.",
          value, threshold);
  }
  return absl::StrCat("unknown alert type ", static_cast<int>(type));
}

}  // namespace actiscope::server
