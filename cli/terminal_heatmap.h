// Draws a Query.GetHeatmap result in a terminal with 24-bit ANSI colour, for `actiscope heatmap`.
//
// One character column per heatmap column (step range), low bin values at the bottom. Each
// character cell shows two bins with the upper-half block U+2580: the foreground colour is the
// upper bin, the background the lower. Colour is viridis of log1p(count) / log1p(max count), so
// empty bins are dark purple and the fullest bin bright yellow. When there are more bins than
// 2 x max_rows, consecutive bins are summed. A y axis labels rows with bin values, an x axis
// labels columns with step numbers, and a footer gives the out-of-range totals.
//
// Thread-safety: pure functions.
#ifndef ACTISCOPE_CLI_TERMINAL_HEATMAP_H_
#define ACTISCOPE_CLI_TERMINAL_HEATMAP_H_

#include <string>

#include "actiscope/v1/query.pb.h"

namespace actiscope::cli {

struct TerminalHeatmapOptions {
  int width = 100;    // Terminal columns available per line, axis included.
  int max_rows = 20;  // Text rows of the plot area (each shows two bins).
};

// Characters the y axis takes before the first data column.
inline constexpr int kYAxisWidth = 11;

// How many heatmap columns fit a terminal `width` characters wide (at least 1).
int PlotColumns(int width);

// The heatmap as text lines ending in '\n'. Columns beyond PlotColumns(options.width) are
// dropped from the right; a heatmap with no columns renders as a one-line note.
std::string RenderTerminalHeatmap(const v1::Heatmap& heatmap,
                                  const TerminalHeatmapOptions& options);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_TERMINAL_HEATMAP_H_
