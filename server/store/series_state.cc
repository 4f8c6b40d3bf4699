#include "server/store/series_state.h"

#include <string>

#include "common/status_macros.h"
#include "server/store/range_sums.h"

namespace actiscope::server {
namespace {

// Writes the summary row of (level, bucket) of the series, replacing any.
absl::Status WriteSummaryRow(Connection* conn, int64_t series_id, int level, int64_t bucket,
                             const StepRangeSums& sums) {
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("INSERT OR REPLACE INTO summaries(series_id, level, bucket, first_step, "
                    "last_step, histograms, data) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  const std::string data = EncodeSummary(sums.sums);
  stmt.Bind(1, series_id).Bind(2, int64_t{level}).Bind(3, bucket);
  stmt.Bind(4, sums.step_from).Bind(5, sums.step_to);
  stmt.Bind(6, int64_t{sums.histograms}).BindBlob(7, data);
  return stmt.Run();
}

}  // namespace

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

void SeriesState::AddLate(int64_t step, const HistogramSums& values, SealedAdditions* sealed) {
  for (int level = 0; level < kSummaryLevels; ++level) {
    const int64_t w = kSummaryWidths[level];
    if (step / w == last_step / w) {
      open[level].AddStep(step, values);
      return;
    }
    (*sealed)[std::make_pair(level, step / w)].AddStep(step, values);
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

absl::Status WriteSealedBuckets(Connection* conn, int64_t series_id,
                                absl::Span<const SealedBucket> sealed) {
  for (const SealedBucket& b : sealed) {
    ACTISCOPE_RETURN_IF_ERROR(WriteSummaryRow(conn, series_id, b.level, b.bucket, b.sums));
  }
  return absl::OkStatus();
}

absl::Status AddToSealedBuckets(Connection* conn, const SeriesState& state,
                                const SealedAdditions& additions) {
  for (const auto& [key, added] : additions) {
    StepRangeSums row;
    {
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("SELECT first_step, last_step, histograms, data FROM summaries WHERE "
                        "series_id = ?1 AND level = ?2 AND bucket = ?3"));
      stmt.Bind(1, state.series_id).Bind(2, int64_t{key.first}).Bind(3, key.second);
      ACTISCOPE_ASSIGN_OR_RETURN(bool found, stmt.Step());
      if (found) {
        row.step_from = stmt.Int(0);
        row.step_to = stmt.Int(1);
        row.histograms = static_cast<uint32_t>(stmt.Int(2));
        ACTISCOPE_RETURN_IF_ERROR(DecodeSummary(stmt.Blob(3), state.layout.bins, &row.sums));
      }
    }
    row.Merge(added);
    ACTISCOPE_RETURN_IF_ERROR(WriteSummaryRow(conn, state.series_id, key.first, key.second, row));
  }
  return absl::OkStatus();
}

}  // namespace actiscope::server
