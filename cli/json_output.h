// The CLI's --json output: one function per command turning a Query response into the JSON
// documented in cli/README.md. Keys are exactly those documented there; 64-bit counts are JSON
// numbers. Pure functions; each result is one line without a trailing newline.
#ifndef ACTISCOPE_CLI_JSON_OUTPUT_H_
#define ACTISCOPE_CLI_JSON_OUTPUT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "actiscope/v1/query.pb.h"

namespace actiscope::cli {

// `runs`: [run, ...] where run is {"id","name","status","first_step","last_step","config",
// "host","device","world_size","start_time","last_update","dropped_frames","status_message"}.
std::string RunsJson(const v1::ListRunsResponse& response);
// `show`: a run object plus "layers": [{"name","kinds","ranks"}] and "scalars": [name, ...].
std::string RunDetailJson(const v1::RunDetail& detail);
// `heatmap`: {"run","layer","kind","scale","bin_edges","columns":[{"step_from","step_to",
// "histograms","counts","below","above","zeros","nonfinite","elements","min","max","sum",
// "sum_squares"}]}.
std::string HeatmapJson(const v1::Heatmap& heatmap);
// `scalars`: {"run","series":[{"name","steps","values"}]}.
std::string ScalarsJson(absl::string_view run_id, const v1::GetScalarsResponse& response);
// `watch`: one run object per update.
std::string RunUpdateJson(const v1::RunUpdate& update);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_JSON_OUTPUT_H_
