#include "cli/terminal_heatmap.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/viridis.h"
#include "cli/wire_names.h"

namespace actiscope::cli {
namespace {

constexpr char kUpperHalf[] = "\u2580";
constexpr char kLowerHalf[] = "\u2584";
constexpr char kReset[] = "\x1b[0m";
constexpr int kLabelWidth = kYAxisWidth - 2;  // Then a space and the axis character.

std::string Foreground(Rgb c) { return absl::StrFormat("\x1b[38;2;%d;%d;%dm", c.r, c.g, c.b); }
std::string Background(Rgb c) { return absl::StrFormat("\x1b[48;2;%d;%d;%dm", c.r, c.g, c.b); }

// Puts `text` into `line` at `pos` when it fits without touching what `used` marks (one
// character of gap on each side); returns whether it did.
bool Place(const std::string& text, int pos, std::string* line, std::vector<bool>* used) {
  const int end = pos + static_cast<int>(text.size());
  if (pos < 0 || end > static_cast<int>(used->size())) return false;
  for (int i = std::max(0, pos - 1); i < std::min<int>(used->size(), end + 1); ++i) {
    if ((*used)[i]) return false;
  }
  line->replace(pos, text.size(), text);
  for (int i = pos; i < end; ++i) (*used)[i] = true;
  return true;
}

}  // namespace

int PlotColumns(int width) { return std::max(1, width - kYAxisWidth - 1); }

std::string RenderTerminalHeatmap(const v1::Heatmap& heatmap,
                                  const TerminalHeatmapOptions& options) {
  const int ncols = std::min(heatmap.columns_size(), PlotColumns(options.width));
  if (ncols == 0 || heatmap.columns(0).counts_size() == 0) {
    return absl::StrCat("no ", KindName(heatmap.kind()), " data for layer ", heatmap.layer(),
                        " in this step range\n");
  }
  const int bins = heatmap.columns(0).counts_size();
  std::vector<double> edges(heatmap.bin_edges().begin(), heatmap.bin_edges().end());
  if (static_cast<int>(edges.size()) != bins + 1) {
    edges.clear();
    for (int i = 0; i <= bins; ++i) edges.push_back(i);
  }
  const int max_rows = std::max(1, options.max_rows);
  const int group = (bins + 2 * max_rows - 1) / (2 * max_rows);  // Bins per half cell.
  const int slots = (bins + group - 1) / group;
  const int rows = (slots + 1) / 2;

  // slot_counts[c][s]: the counts of column c summed over slot s's bins.
  std::vector<std::vector<uint64_t>> slot_counts(ncols, std::vector<uint64_t>(slots, 0));
  uint64_t max_count = 0, below = 0, above = 0, zeros = 0, nonfinite = 0;
  for (int c = 0; c < ncols; ++c) {
    const v1::HeatmapColumn& column = heatmap.columns(c);
    for (int b = 0; b < std::min(bins, column.counts_size()); ++b) {
      slot_counts[c][b / group] += column.counts(b);
    }
    for (uint64_t count : slot_counts[c]) max_count = std::max(max_count, count);
    below += column.below();
    above += column.above();
    zeros += column.zeros();
    nonfinite += column.nonfinite();
  }
  const double log_max = std::log1p(static_cast<double>(max_count));
  auto colour = [&](uint64_t count) {
    return Viridis(log_max > 0 ? std::log1p(static_cast<double>(count)) / log_max : 0.0);
  };
  auto value_at = [&](int slot_edge) { return edges[std::min(bins, slot_edge * group)]; };
  const bool log_scale = heatmap.layout().scale() == v1::BIN_SCALE_LOG_MAGNITUDE;

  const int64_t first_step = heatmap.columns(0).step_from();
  const int64_t last_step = heatmap.columns(ncols - 1).step_to();
  std::string out = absl::StrFormat(
      "%s  %s  %s  steps %d-%d  %d bins (%s) [%.4g, %.4g)  colour: log(1+count), max %d\n",
      heatmap.run_id(), heatmap.layer(), KindName(heatmap.kind()), first_step, last_step, bins,
      ScaleName(heatmap.layout().scale()), edges.front(), edges.back(), max_count);

  for (int r = rows - 1; r >= 0; --r) {
    // Every fourth row from the bottom, and the top row unless that crowds the one below.
    const bool labelled = r % 4 == 0 || (r == rows - 1 && r % 4 >= 2);
    const double low = value_at(2 * r), high = value_at(std::min(slots, 2 * r + 2));
    // The row's middle value: geometric for log-magnitude bins, whose edges are log-spaced.
    const double centre = log_scale && low > 0 ? std::sqrt(low * high) : (low + high) / 2;
    if (labelled) {
      absl::StrAppend(&out, absl::StrFormat("%*.3g \u2524", kLabelWidth, centre));
    } else {
      absl::StrAppend(&out, std::string(kLabelWidth + 1, ' '), "\u2502");
    }
    const int lower = 2 * r, upper = 2 * r + 1;
    for (int c = 0; c < ncols; ++c) {
      const Rgb low = colour(slot_counts[c][lower]);
      if (upper < slots) {
        absl::StrAppend(&out, Foreground(colour(slot_counts[c][upper])), Background(low),
                        kUpperHalf);
      } else {
        absl::StrAppend(&out, "\x1b[49m", Foreground(low), kLowerHalf);
      }
    }
    absl::StrAppend(&out, kReset, "\n");
  }

  absl::StrAppend(&out, std::string(kLabelWidth + 1, ' '), "\u2514");
  for (int c = 0; c < ncols; ++c) absl::StrAppend(&out, "\u2500");
  absl::StrAppend(&out, "\n");

  const int line_width = kYAxisWidth + ncols + 16;
  std::string labels(line_width, ' ');
  std::vector<bool> used(line_width, false);
  Place("step", kLabelWidth - 3, &labels, &used);
  const std::string last_label = absl::StrCat(last_step);
  Place(last_label, kYAxisWidth + ncols - static_cast<int>(last_label.size()), &labels, &used);
  const int spacing = 16;
  for (int c = 0; c < ncols; c += spacing) {
    Place(absl::StrCat(heatmap.columns(c).step_from()), kYAxisWidth + c, &labels, &used);
  }
  labels.erase(labels.find_last_not_of(' ') + 1);
  absl::StrAppend(&out, labels, "\n");
  absl::StrAppend(
      &out, absl::StrFormat("outside the bins: %d below, %d above; %d exact zeros; %d non-finite\n",
                            below, above, zeros, nonfinite));
  return out;
}

}  // namespace actiscope::cli
