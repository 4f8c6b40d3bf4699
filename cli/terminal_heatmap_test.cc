#include "cli/terminal_heatmap.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace actiscope::cli {
namespace {

constexpr char kBright[] = "253;231;37";  // Viridis(1).
constexpr char kDarkBackground[] = "48;2;68;1;84";
constexpr char kUpperHalf[] = "\u2580";

// A heatmap with `bins` linear bins over [-1, 1) and `columns` columns of 10 steps each, every
// count in bin `full_bin`.
v1::Heatmap OneBinHeatmap(int bins, int columns, int full_bin) {
  v1::Heatmap heatmap;
  heatmap.set_run_id("r1");
  heatmap.set_layer("conv1");
  heatmap.set_kind(v1::KIND_ACTIVATION);
  heatmap.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
  heatmap.mutable_layout()->set_bins(bins);
  heatmap.mutable_layout()->set_lo(-1);
  heatmap.mutable_layout()->set_hi(1);
  for (int i = 0; i <= bins; ++i) heatmap.add_bin_edges(-1.0 + 2.0 * i / bins);
  for (int c = 0; c < columns; ++c) {
    v1::HeatmapColumn* column = heatmap.add_columns();
    column->set_step_from(10 * c);
    column->set_step_to(10 * c + 9);
    for (int b = 0; b < bins; ++b) column->add_counts(b == full_bin ? 1000 : 0);
    column->set_elements(1000);
  }
  return heatmap;
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

int Count(const std::string& line, const std::string& what) {
  int n = 0;
  for (size_t pos = line.find(what); pos != std::string::npos; pos = line.find(what, pos + 1)) ++n;
  return n;
}

std::vector<std::string> PlotRows(const std::string& text) {
  std::vector<std::string> rows;
  for (const std::string& line : Lines(text)) {
    if (absl::StrContains(line, "\x1b[")) rows.push_back(line);
  }
  return rows;
}

TEST(TerminalHeatmapTest, LowestBinFullPaintsBottomRowBrightAndTheRestDark) {
  const std::string text = RenderTerminalHeatmap(OneBinHeatmap(4, 3, 0), {});
  const std::vector<std::string> rows = PlotRows(text);
  ASSERT_EQ(rows.size(), 2u);
  // The bottom row's lower halves (background) are bin 0: bright; its upper halves dark.
  EXPECT_EQ(Count(rows[1], std::string("48;2;") + kBright), 3);
  EXPECT_EQ(Count(rows[1], "38;2;68;1;84"), 3);
  // The top row is dark throughout.
  EXPECT_FALSE(absl::StrContains(rows[0], kBright));
  EXPECT_EQ(Count(rows[0], kDarkBackground), 3);
}

TEST(TerminalHeatmapTest, DrawsOneCharacterPerColumn) {
  const std::vector<std::string> rows = PlotRows(RenderTerminalHeatmap(OneBinHeatmap(4, 7, 2), {}));
  for (const std::string& row : rows) EXPECT_EQ(Count(row, kUpperHalf), 7);
}

TEST(TerminalHeatmapTest, LabelsStepsAndBinValues) {
  const std::string text = RenderTerminalHeatmap(OneBinHeatmap(8, 40, 0), {});
  const std::vector<std::string> lines = Lines(text);
  // Four rows of two bins; the bottom row spans [-1, -0.5), the top row [0.5, 1).
  EXPECT_TRUE(absl::StrContains(lines[1], " 0.75 \u2524")) << text;
  EXPECT_TRUE(absl::StrContains(lines[4], "-0.75 \u2524")) << text;
  // The x axis, then step labels: the first column's first step, a tick every 16 columns
  // (column 16 starts at step 160) and the last column's last step.
  const std::string& steps = lines[lines.size() - 2];
  EXPECT_TRUE(absl::StrContains(steps, "step 0 ")) << steps;
  EXPECT_TRUE(absl::StrContains(steps, " 160 ")) << steps;
  EXPECT_TRUE(absl::EndsWith(steps, " 399")) << steps;
  EXPECT_TRUE(absl::StrContains(lines[0], "conv1"));
  EXPECT_TRUE(absl::StrContains(lines[0], "activation"));
}

TEST(TerminalHeatmapTest, LabelsLogMagnitudeRowsWithGeometricMiddles) {
  v1::Heatmap heatmap = OneBinHeatmap(2, 3, 0);
  heatmap.mutable_layout()->set_scale(v1::BIN_SCALE_LOG_MAGNITUDE);
  heatmap.clear_bin_edges();
  for (double edge : {1e-4, 1e-3, 1e-2}) heatmap.add_bin_edges(edge);
  const std::string text = RenderTerminalHeatmap(heatmap, {});
  EXPECT_TRUE(absl::StrContains(text, "0.001 \u2524")) << text;
}

TEST(TerminalHeatmapTest, SumsBinsWhenTheyOutnumberTheRows) {
  TerminalHeatmapOptions options;
  options.max_rows = 20;
  const std::vector<std::string> rows =
      PlotRows(RenderTerminalHeatmap(OneBinHeatmap(1024, 5, 1023), options));
  EXPECT_EQ(rows.size(), 20u);
  // The top bin is full, so the top row's upper halves are bright.
  EXPECT_EQ(Count(rows[0], std::string("38;2;") + kBright), 5);
}

TEST(TerminalHeatmapTest, OddSlotCountUsesLowerHalfBlocksOnTop) {
  const std::vector<std::string> rows = PlotRows(RenderTerminalHeatmap(OneBinHeatmap(3, 2, 2), {}));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Count(rows[0], "\u2584"), 2);
  EXPECT_EQ(Count(rows[0], std::string("38;2;") + kBright), 2);
}

TEST(TerminalHeatmapTest, DropsColumnsThatDoNotFitTheWidth) {
  TerminalHeatmapOptions options;
  options.width = 50;
  const std::vector<std::string> rows =
      PlotRows(RenderTerminalHeatmap(OneBinHeatmap(4, 200, 0), options));
  for (const std::string& row : rows) EXPECT_EQ(Count(row, kUpperHalf), PlotColumns(50));
}

TEST(TerminalHeatmapTest, SaysSoWhenThereIsNoData) {
  v1::Heatmap heatmap = OneBinHeatmap(4, 0, 0);
  EXPECT_EQ(RenderTerminalHeatmap(heatmap, {}),
            "no activation data for layer conv1 in this step range\n");
}

}  // namespace
}  // namespace actiscope::cli
