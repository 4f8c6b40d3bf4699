#include "server/store/series_state.h"

#include "common/status_macros.h"
#include "server/store/range_sums.h"

namespace actiscope::server {

void SeriesState::Append(absl::Span<const int64_t> steps,
                         absl::Span<const HistogramSums* const> values,
                         std::vector<SealedBucket>* sealed) {
  for (size_t i = 0; i < steps.size(); ++i) {
    const int64_t step = steps[i];
    // Seal, finest first, each open bucket the step moves past; a sealed bucket is complete
    // once merged into its parent, before the parent is checked.
    for (int level = 0; level < kSummaryLevels; ++level) {
      const int64_t w = kSummaryWidths[level];
      StepRangeSums& bucket = open[level];
      if (bucket.empty() || bucket.step_from / w == step / w) break;
      if (level + 1 < kSummaryLevels) open[level + 1].Merge(bucket);
      sealed->push_back(SealedBucket{level, bucket.step_from / w, std::move(bucket)});
      bucket = StepRangeSums();
    }
    open[0].AddStep(step, *values[i]);
    last_step = step;
  }
}

absl::Status LoadSeriesState(Connection* conn, SeriesState* state) {
  {
    ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                               conn->Prepare("SELECT segment_id, count FROM segments WHERE "
                                             "series_id = ?1 ORDER BY first_step DESC LIMIT 1"));
    stmt.Bind(1, state->series_id);
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    state->tail_segment_id = row ? stmt.Int(0) : 0;
    state->tail_count = row ? stmt.Int(1) : 0;
  }
  for (StepRangeSums& bucket : state->open) bucket = StepRangeSums();
  if (state->last_step < 0) return absl::OkStatus();
  const SeriesRef ref{state->series_id, state->layout.bins, state->last_step};
  int64_t end = state->last_step;  // Level l holds its bucket's steps up to level l-1's.
  for (int level = 0; level < kSummaryLevels; ++level) {
    const int64_t start = state->last_step / kSummaryWidths[level] * kSummaryWidths[level];
    ACTISCOPE_ASSIGN_OR_RETURN(state->open[level], SumStepRange(conn, ref, start, end));
    end = start - 1;
  }
  return absl::OkStatus();
}

}  // namespace actiscope::server
