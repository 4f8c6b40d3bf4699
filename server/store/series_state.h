// What the write path keeps in memory per series so that ingest never reads back from disk:
// the layout, the last stored step (the idempotency rule) and the open summary bucket of each
// level. Loaded lazily from the database on a series' first write after Open or a resume.
//
// Idempotency rule: a series stores steps in ascending order; a histogram whose step is at or
// below the series' last stored step is ignored (WriteResult::histograms_ignored). Re-sent
// frames are therefore no-ops, and a resumed trainer first deletes the steps it replaces.
//
// Thread-safety: owned by the store's writer, under its mutex.
#ifndef ACTISCOPE_SERVER_STORE_SERIES_STATE_H_
#define ACTISCOPE_SERVER_STORE_SERIES_STATE_H_

#include <array>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/store/histogram_sums.h"
#include "server/store/series_block.h"
#include "server/store/sqlite_handle.h"
#include "server/store/summary_levels.h"

namespace actiscope::server {

inline constexpr int64_t kMinSegmentSteps = 64;

struct SealedBucket {
  int level = 0;
  int64_t bucket = 0;
  StepRangeSums sums;
};

struct SeriesState {
  int64_t series_id = 0;
  BinLayout layout;
  int64_t last_step = -1;
  // The series' last segment (0: none) and its histogram count. Ingest rewrites a last
  // segment shorter than kMinSegmentSteps (and than IngestLimits::max_segment_steps) together
  // with the new steps, so small batches still make long, compact segments.
  int64_t tail_segment_id = 0;
  int64_t tail_count = 0;
  // The bucket of each level that holds last_step, not yet written as a summary row. Level 0
  // sums its steps; level l > 0 sums only its sealed level l-1 buckets (the rest is in the
  // finer open buckets and merges up as they seal), so each step is added once.
  std::array<StepRangeSums, kSummaryLevels> open;

  // Adds histograms `values` at `steps` (ascending, all above last_step) to the open buckets,
  // appending to `sealed` every bucket they move past.
  void Append(absl::Span<const int64_t> steps, absl::Span<const HistogramSums* const> values,
              std::vector<SealedBucket>* sealed);
};

// Reads the open buckets and the tail segment of a stored series whose series_id, layout and
// last_step are set.
absl::Status LoadSeriesState(Connection* conn, SeriesState* state);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SERIES_STATE_H_
