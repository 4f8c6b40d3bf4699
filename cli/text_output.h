// The CLI's human-readable output (without --json) for runs, show, scalars and watch; the
// heatmap picture is terminal_heatmap.h. Pure functions returning lines ending in '\n'.
#ifndef ACTISCOPE_CLI_TEXT_OUTPUT_H_
#define ACTISCOPE_CLI_TEXT_OUTPUT_H_

#include <string>

#include "actiscope/v1/query.pb.h"

namespace actiscope::cli {

// A table: ID, NAME, STATUS, STEPS, ALERTS (the run's alert count), LAST UPDATE, CONFIG.
std::string RunsText(const v1::ListRunsResponse& response);
// The run's fields, then its layers with their kinds, then its scalar names.
std::string RunDetailText(const v1::RunDetail& detail);
// One line per series: name, points, step range, last/min/max value and a sparkline.
std::string ScalarsText(const v1::GetScalarsResponse& response);
// One line: time of the update, run id, status, last step.
std::string RunUpdateText(const v1::RunUpdate& update);

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_TEXT_OUTPUT_H_
