#include "cli/text_output.h"

#include <algorithm>
#include <map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "cli/wire_names.h"

namespace actiscope::cli {
namespace {

std::string FormatTime(const google::protobuf::Timestamp& t) {
  if (t.seconds() == 0 && t.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::string Steps(const v1::RunSummary& run) {
  if (run.last_step() < 0) return "-";
  return absl::StrCat(run.first_step(), "-", run.last_step());
}

std::string Config(const v1::RunSummary& run) {
  const std::map<std::string, std::string> sorted(run.config().begin(), run.config().end());
  return absl::StrJoin(sorted, " ", absl::PairFormatter("="));
}

std::string Sparkline(const v1::ScalarSeries& series, int width) {
  static const char* const kBars[] = {"\u2581", "\u2582", "\u2583", "\u2584",
                                      "\u2585", "\u2586", "\u2587", "\u2588"};
  const int n = series.values_size();
  if (n == 0) return "";
  const auto [lo, hi] = std::minmax_element(series.values().begin(), series.values().end());
  std::string out;
  const int points = std::min(n, width);
  for (int i = 0; i < points; ++i) {
    const double v = series.values(static_cast<int>(static_cast<int64_t>(i) * n / points));
    const double f = *hi > *lo ? (v - *lo) / (*hi - *lo) : 0.0;
    out += kBars[std::clamp(static_cast<int>(f * 8), 0, 7)];
  }
  return out;
}

}  // namespace

std::string RunsText(const v1::ListRunsResponse& response) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "NAME", "STATUS", "STEPS", "ALERTS", "LAST UPDATE", "CONFIG"}};
  for (const v1::RunSummary& run : response.runs()) {
    rows.push_back({run.run_id(), run.name(), std::string(StatusName(run.status())), Steps(run),
                    absl::StrCat(run.alert_count()), FormatTime(run.last_update()), Config(run)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      absl::StrAppend(&line, row[i], std::string(width[i] - row[i].size() + 2, ' '));
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  if (response.runs().empty()) out += "(no runs)\n";
  return out;
}

std::string RunDetailText(const v1::RunDetail& detail) {
  const v1::RunSummary& run = detail.run();
  std::string out = absl::StrFormat(
      "run       %s (%s)\nstatus    %s%s\nsteps     %s\nstarted   %s\nupdated   %s\n"
      "host      %s  device %s  world size %d\nconfig    %s\ndropped   %d frames\n"
      "conflicts %d frames (differed from the frame already stored for their step)\n"
      "rejected  %d frames (refused by the collector; see the client's log)\n",
      run.run_id(), run.name(), StatusName(run.status()),
      run.status_message().empty() ? "" : absl::StrCat(": ", run.status_message()), Steps(run),
      FormatTime(run.start_time()), FormatTime(run.last_update()), run.host(), run.device(),
      run.world_size(), Config(run), run.dropped_frames(), run.conflicting_frames(),
      run.rejected_frames());
  absl::StrAppend(&out, "layers    ", detail.layers_size(), "\n");
  size_t name_width = 0;
  for (const v1::LayerInfo& layer : detail.layers()) {
    name_width = std::max(name_width, layer.name().size());
  }
  for (const v1::LayerInfo& layer : detail.layers()) {
    std::vector<std::string> kinds;
    for (int kind : layer.kinds()) kinds.emplace_back(KindName(static_cast<v1::Kind>(kind)));
    absl::StrAppend(&out, "  ", layer.name(),
                    std::string(name_width - layer.name().size() + 2, ' '),
                    absl::StrJoin(kinds, ", "), "\n");
  }
  absl::StrAppend(&out, "scalars   ", absl::StrJoin(detail.scalar_names(), ", "), "\n");
  return out;
}

std::string ScalarsText(const v1::GetScalarsResponse& response) {
  std::string out;
  for (const v1::ScalarSeries& series : response.series()) {
    if (series.values_size() == 0) {
      absl::StrAppend(&out, series.name(), "  (no points)\n");
      continue;
    }
    const auto [lo, hi] = std::minmax_element(series.values().begin(), series.values().end());
    absl::StrAppend(&out, absl::StrFormat("%-12s %6d points  steps %d-%d  last %.6g  min %.6g  "
                                          "max %.6g  %s\n",
                                          series.name(), series.values_size(), series.steps(0),
                                          series.steps(series.steps_size() - 1),
                                          series.values(series.values_size() - 1), *lo, *hi,
                                          Sparkline(series, 40)));
  }
  if (response.series().empty()) out += "(no scalars)\n";
  return out;
}

std::string RunUpdateText(const v1::RunUpdate& update) {
  const v1::RunSummary& run = update.run();
  return absl::StrFormat("%s  %s  %s  last step %d\n",
                         absl::FormatTime("%H:%M:%S", absl::Now(), absl::LocalTimeZone()),
                         run.run_id(), StatusName(run.status()), run.last_step());
}

}  // namespace actiscope::cli
