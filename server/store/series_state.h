// What the write path keeps in memory per series so that ingest of steps above the series' last
// stored step never reads back from disk: the layout, the last stored step, the tail segment
// and the open summary bucket of each level. Loaded lazily from the database on a series' first
// write after Open or a resume. Also writes the rows of sealed summary buckets.
//
// Storing rule (ingest_writer.h): per step, the first histogram that arrives is stored, in any
// order. A step above last_step is new: appended (Append), no read. A step at or below it is
// looked up in the segment covering it: when stored, the new histogram is ignored (equal) or
// conflicting (different); when not, it is a late step, inserted into that segment and added
// to the summaries (AddLate). A resumed trainer first deletes the steps it replaces.
//
// Thread-safety: owned by the store's writer, under its mutex.
#ifndef ACTISCOPE_SERVER_STORE_SERIES_STATE_H_
#define ACTISCOPE_SERVER_STORE_SERIES_STATE_H_

#include <array>
#include <cstdint>
#include <map>
#include <utility>
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

// Late steps' sums per sealed summary bucket, keyed by (level, bucket), to be added to that
// bucket's row (or to make it, when none of its steps was stored before).
using SealedAdditions = std::map<std::pair<int, int64_t>, StepRangeSums>;

struct SeriesState {
  int64_t series_id = 0;
  BinLayout layout;
  int64_t last_step = -1;
  // The series' last segment (0: none), the one with the greatest first_step, and its histogram
  // count. Ingest rewrites a last segment shorter than kMinSegmentSteps (and than
  // IngestLimits::max_segment_steps) together with the new steps, so small batches still make
  // long, compact segments; a late step inserted into it changes both (ingest_writer.cc).
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

  // Adds a histogram at `step` < last_step that the series had not stored (a late step). Let L
  // be the lowest level whose bucket holds both `step` and last_step. Finer levels' buckets of
  // `step` are sealed: the step is added to `sealed` under each (level, bucket), for the
  // caller to add to the rows. Level L's bucket is open: the step goes to open[L] (for L > 0,
  // open[L] sums sealed level L-1 buckets, and the step's is one). Coarser levels get it when
  // open[L] merges up as it seals. When no level's bucket holds last_step, every level's bucket
  // of `step` is sealed.
  void AddLate(int64_t step, const HistogramSums& values, SealedAdditions* sealed);
};

// Reads the open buckets and the tail segment of a stored series whose series_id, layout and
// last_step are set.
absl::Status LoadSeriesState(Connection* conn, SeriesState* state);

// Inside the caller's transaction: writes the rows of buckets Append sealed, replacing any.
absl::Status WriteSealedBuckets(Connection* conn, int64_t series_id,
                                absl::Span<const SealedBucket> sealed);

// Inside the caller's transaction: adds the late steps' sums AddLate collected to their
// buckets' rows (read, add, write back); a bucket without a row (none of its steps was stored
// before) gets one.
absl::Status AddToSealedBuckets(Connection* conn, const SeriesState& state,
                                const SealedAdditions& additions);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SERIES_STATE_H_
