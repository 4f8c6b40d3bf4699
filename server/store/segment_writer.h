// How ingest writes a series' histograms into segment rows (the format is series_block.h, the
// table schema.cc): new steps above the series' last are appended (joining a short tail
// segment), and late steps at or below it are looked up and inserted into the segment that
// covers them, so a series' segments never overlap. IngestWriter (ingest_writer.h) calls these
// inside its group transaction.
//
// Thread-safety: not thread-safe; the store's writer serializes all calls.
#ifndef ACTISCOPE_SERVER_STORE_SEGMENT_WRITER_H_
#define ACTISCOPE_SERVER_STORE_SEGMENT_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "server/store/series_block.h"
#include "server/store/series_state.h"
#include "server/store/sqlite_handle.h"
#include "server/store/store_types.h"

namespace actiscope::server {

// Replaces segment row `segment_id` with `block`, a series block of `steps` (ascending,
// non-empty): its first_step, last_step, count and data.
absl::Status UpdateSegmentRow(Connection* conn, int64_t segment_id, absl::Span<const int64_t> steps,
                              const std::string& block);
// Adds a segment row of series `series_id` holding `block`, a series block of `steps`
// (ascending, non-empty); returns the new row's segment_id.
absl::StatusOr<int64_t> InsertSegmentRow(Connection* conn, int64_t series_id,
                                         absl::Span<const int64_t> steps, const std::string& block);

// Stores the new steps of a series in segments of at most `max_steps` steps: the first ones
// join its tail segment when that one is short (rewritten with them), the rest make new
// segments. Updates the state's tail. No segment decoded or encoded here holds more than
// max(max_steps, kMinSegmentSteps) histograms.
absl::Status WriteSegments(Connection* conn, int64_t max_steps, const std::vector<int64_t>& steps,
                           const std::vector<const HistogramSums*>& values, SeriesState* state);

// Writes `steps` (ascending) with `values` into the segment row `segment_id` of the series,
// split into rows of at most `max_steps` steps of near-equal size when there are more: the
// first keeps the row, the others are new rows. Updates the state's tail when the row was the
// tail.
absl::Status RewriteSegment(Connection* conn, int64_t max_steps, int64_t segment_id,
                            absl::Span<const int64_t> steps,
                            absl::Span<const HistogramSums* const> values, SeriesState* state);

// A batch's steps of one stored series at or below its last stored step, looked up in
// ascending order in the segments covering them. One segment is decoded at a time, each once
// per batch: the steps move on to the next segment only after the current one's late steps
// are written. A late step joins the segment that covers it or, when none does, the one with
// the greatest first_step <= step, else the series' first: either way the series' segments
// keep from overlapping.
class EarlierSteps {
 public:
  // `state` is the series' state before the batch's new steps; `additions` collects what its
  // late steps add to sealed summary buckets (SeriesState::AddLate).
  EarlierSteps(Connection* conn, int64_t max_steps, SeriesState* state, SealedAdditions* additions)
      : conn_(conn), max_steps_(max_steps), state_(state), additions_(additions) {}

  // The histogram stored at `step` (valid until the next call), or null. Steps must ascend.
  absl::StatusOr<const HistogramSums*> Find(int64_t step);

  // Stores `h`, whose step Find just reported as not stored.
  void AddLate(const Histogram& h) {
    late_.push_back(&h);
    state_->AddLate(h.step, h.values, additions_);
  }

  // Writes the current segment with its late steps inserted (RewriteSegment).
  absl::Status Flush();

 private:
  Connection* conn_;
  int64_t max_steps_;
  SeriesState* state_;
  SealedAdditions* additions_;
  int64_t segment_id_ = 0;  // The decoded segment (0: none yet) and its last step.
  int64_t last_step_ = -1;
  std::vector<StepHistogram> stored_;   // Its histograms, ascending.
  std::vector<const Histogram*> late_;  // Late steps that join it, ascending.
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_STORE_SEGMENT_WRITER_H_
