#include "server/series_state.h"

#include "proto/status_macros.h"
#include "server/heatmap_reader.h"

namespace actiscope::server {

void SeriesState::Append(absl::Span<const StepHistogram> steps,
                         std::vector<SealedBucket>* sealed) {
  for (const StepHistogram& s : steps) {
    for (int level = 0; level < kSummaryLevels; ++level) {
      const int64_t w = kSummaryWidths[level];
      StepRangeSums& bucket = open[level];
      if (!bucket.empty() && bucket.step_from / w != s.step / w) {
        sealed->push_back(SealedBucket{level, bucket.step_from / w, std::move(bucket)});
        bucket = StepRangeSums();
      }
      bucket.AddStep(s.step, s.values);
    }
    last_step = s.step;
  }
}

absl::Status LoadOpenBuckets(Connection* conn, SeriesState* state) {
  for (StepRangeSums& bucket : state->open) bucket = StepRangeSums();
  if (state->last_step < 0) return absl::OkStatus();
  const SeriesRef ref{state->series_id, state->layout.bins, state->last_step};
  for (int level = 0; level < kSummaryLevels; ++level) {
    const int64_t w = kSummaryWidths[level];
    ACTISCOPE_ASSIGN_OR_RETURN(
        state->open[level],
        SumStepRange(conn, ref, state->last_step / w * w, state->last_step));
  }
  return absl::OkStatus();
}

}  // namespace actiscope::server
