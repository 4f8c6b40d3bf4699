#include "server/store/segment_writer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/store/series_block.h"

namespace actiscope::server {

absl::Status UpdateSegmentRow(Connection* conn, int64_t segment_id, absl::Span<const int64_t> steps,
                              const std::string& block) {
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare("UPDATE segments SET first_step = ?2, last_step = ?3, "
                                           "count = ?4, data = ?5 WHERE segment_id = ?1"));
  stmt.Bind(1, segment_id).Bind(2, steps.front()).Bind(3, steps.back());
  stmt.Bind(4, static_cast<int64_t>(steps.size())).BindBlob(5, block);
  return stmt.Run();
}

absl::StatusOr<int64_t> InsertSegmentRow(Connection* conn, int64_t series_id,
                                         absl::Span<const int64_t> steps,
                                         const std::string& block) {
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("INSERT INTO segments(series_id, first_step, last_step, count, data) "
                    "VALUES(?1, ?2, ?3, ?4, ?5)"));
  stmt.Bind(1, series_id).Bind(2, steps.front()).Bind(3, steps.back());
  stmt.Bind(4, static_cast<int64_t>(steps.size())).BindBlob(5, block);
  ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
  return sqlite3_last_insert_rowid(conn->raw());
}

absl::Status WriteSegments(Connection* conn, int64_t max_steps, const std::vector<int64_t>& steps,
                           const std::vector<const HistogramSums*>& values, SeriesState* state) {
  const uint32_t bins = state->layout.bins;
  std::vector<StepHistogram> tail;
  std::vector<int64_t> all_steps;
  std::vector<const HistogramSums*> all_values;
  const bool extend_tail = state->tail_segment_id != 0 && state->tail_count < kMinSegmentSteps &&
                           state->tail_count < max_steps;
  if (extend_tail) {
    ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                               conn->Prepare("SELECT data FROM segments WHERE segment_id = ?1"));
    stmt.Bind(1, state->tail_segment_id);
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) return absl::InternalError("store: a series' tail segment is missing");
    ACTISCOPE_ASSIGN_OR_RETURN(tail, DecodeSeriesBlock(stmt.Blob(0), bins));
    for (const StepHistogram& s : tail) {
      all_steps.push_back(s.step);
      all_values.push_back(&s.values);
    }
  }
  all_steps.insert(all_steps.end(), steps.begin(), steps.end());
  all_values.insert(all_values.end(), values.begin(), values.end());
  const size_t chunk = static_cast<size_t>(max_steps);
  for (size_t begin = 0; begin < all_steps.size(); begin += chunk) {
    const size_t n = std::min(chunk, all_steps.size() - begin);
    const absl::Span<const int64_t> chunk_steps = absl::MakeConstSpan(all_steps).subspan(begin, n);
    const std::string block =
        EncodeSeriesBlock(bins, chunk_steps, absl::MakeConstSpan(all_values).subspan(begin, n));
    if (begin == 0 && extend_tail) {
      ACTISCOPE_RETURN_IF_ERROR(UpdateSegmentRow(conn, state->tail_segment_id, chunk_steps, block));
    } else {
      ACTISCOPE_ASSIGN_OR_RETURN(state->tail_segment_id,
                                 InsertSegmentRow(conn, state->series_id, chunk_steps, block));
    }
    state->tail_count = static_cast<int64_t>(n);
  }
  return absl::OkStatus();
}

absl::Status RewriteSegment(Connection* conn, int64_t max_steps, int64_t segment_id,
                            absl::Span<const int64_t> steps,
                            absl::Span<const HistogramSums* const> values, SeriesState* state) {
  const size_t n = steps.size();
  const size_t rows = (n + static_cast<size_t>(max_steps) - 1) / static_cast<size_t>(max_steps);
  const bool was_tail = segment_id == state->tail_segment_id;
  for (size_t r = 0, begin = 0; r < rows; ++r) {
    const size_t len = n / rows + (r < n % rows ? 1 : 0);
    const absl::Span<const int64_t> row_steps = steps.subspan(begin, len);
    const std::string block =
        EncodeSeriesBlock(state->layout.bins, row_steps, values.subspan(begin, len));
    begin += len;
    if (r == 0) {
      ACTISCOPE_RETURN_IF_ERROR(UpdateSegmentRow(conn, segment_id, row_steps, block));
    } else {
      ACTISCOPE_ASSIGN_OR_RETURN(segment_id,
                                 InsertSegmentRow(conn, state->series_id, row_steps, block));
    }
    if (was_tail) {
      state->tail_segment_id = segment_id;
      state->tail_count = static_cast<int64_t>(len);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<const HistogramSums*> EarlierSteps::Find(int64_t step) {
  if (segment_id_ == 0 || step > last_step_) {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        conn_->Prepare("SELECT segment_id, last_step, data FROM segments WHERE series_id = ?1 "
                       "AND first_step <= max(?2, (SELECT min(first_step) FROM segments "
                       "WHERE series_id = ?1)) ORDER BY first_step DESC LIMIT 1"));
    stmt.Bind(1, state_->series_id).Bind(2, step);
    ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
    if (!row) {
      return absl::InternalError(
          absl::StrCat("store: series ", state_->series_id, " has a last step but no segment"));
    }
    if (stmt.Int(0) != segment_id_) {
      ACTISCOPE_RETURN_IF_ERROR(Flush());
      segment_id_ = stmt.Int(0);
      last_step_ = stmt.Int(1);
      ACTISCOPE_ASSIGN_OR_RETURN(stored_, DecodeSeriesBlock(stmt.Blob(2), state_->layout.bins));
    }
  }
  auto it = std::lower_bound(stored_.begin(), stored_.end(), step,
                             [](const StepHistogram& s, int64_t v) { return s.step < v; });
  return it != stored_.end() && it->step == step ? &it->values : nullptr;
}

absl::Status EarlierSteps::Flush() {
  if (late_.empty()) return absl::OkStatus();
  std::vector<int64_t> steps;
  std::vector<const HistogramSums*> values;
  steps.reserve(stored_.size() + late_.size());
  values.reserve(steps.capacity());
  auto stored = stored_.begin();
  auto late = late_.begin();
  while (stored != stored_.end() || late != late_.end()) {
    if (late == late_.end() || (stored != stored_.end() && stored->step < (*late)->step)) {
      steps.push_back(stored->step);
      values.push_back(&(stored++)->values);
    } else {
      steps.push_back((*late)->step);
      values.push_back(&(*late++)->values);
    }
  }
  late_.clear();
  return RewriteSegment(conn_, max_steps_, segment_id_, steps, values, state_);
}

}  // namespace actiscope::server
