#include "server/store/ingest_writer.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "server/store/range_sums.h"
#include "server/store/segment_writer.h"
#include "server/store/series_block.h"
#include "server/store/summary_levels.h"

namespace actiscope::server {
namespace {

// The one check of a histogram the writer keeps (see ingest_writer.h): segment and summary
// blobs hold exactly layout.bins counts per histogram.
absl::Status CheckCountsFitLayout(size_t i, const Histogram& h) {
  if (h.values.counts.size() == h.layout.bins) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("histogram ", i, " (layer '", h.layer.substr(0, 64), "', step ", h.step,
                   "): ", h.values.counts.size(), " counts for ", h.layout.bins, " bins"));
}

BinLayout ReadLayout(const Statement& stmt, int col) {
  BinLayout layout;
  layout.scale = static_cast<BinScale>(stmt.Int(col));
  layout.bins = static_cast<uint32_t>(stmt.Int(col + 1));
  layout.lo = stmt.Double(col + 2);
  layout.hi = stmt.Double(col + 3);
  return layout;
}

absl::Status LayoutMismatch(const Histogram& h, const BinLayout& stored) {
  return absl::InvalidArgumentError(
      absl::StrCat("layer '", h.layer.substr(0, 64), "' kind ", static_cast<int>(h.kind), " rank ",
                   h.rank, " step ", h.step, ": bin layout (scale ",
                   static_cast<int>(h.layout.scale), ", bins ", h.layout.bins, ", [", h.layout.lo,
                   ", ", h.layout.hi, ")) differs from the stored layout (scale ",
                   static_cast<int>(stored.scale), ", bins ", stored.bins, ", [", stored.lo, ", ",
                   stored.hi, ")); a probe's layout cannot change within a run"));
}

absl::Status TooManySeries(const std::string& run_id, const Histogram& h, int64_t series,
                           int64_t limit) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "run '", run_id, "': layer '", h.layer.substr(0, 64), "' kind ", static_cast<int>(h.kind),
      " rank ", h.rank, " would be series ", series, " of the run, over the limit of ", limit,
      " series per run (--max_series_per_run); the run's existing series keep accepting data"));
}

}  // namespace

// The histograms of one series in a batch.
struct IngestWriter::SeriesGroup {
  SeriesKey key;
  const Histogram* first = nullptr;
  std::vector<const Histogram*> histograms;
  bool is_new = false;  // Not in the database yet.
  SeriesState next;     // The state after this batch.
};

struct IngestWriter::Prepared {
  const WriteBatch* batch = nullptr;
  RunState* run = nullptr;
  std::vector<SeriesGroup> groups;
};

absl::StatusOr<IngestWriter::RunState*> IngestWriter::LoadRun(Connection* conn,
                                                              const std::string& run_id) {
  auto it = runs_.find(run_id);
  if (it != runs_.end()) return &it->second;
  ACTISCOPE_ASSIGN_OR_RETURN(Statement stmt,
                             conn->Prepare("SELECT run_key FROM runs WHERE run_id = ?1"));
  stmt.BindText(1, run_id);
  ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("run not found: '", run_id, "'"));
  const int64_t run_key = stmt.Int(0);
  ACTISCOPE_ASSIGN_OR_RETURN(Statement count,
                             conn->Prepare("SELECT count(*) FROM series WHERE run_key = ?1"));
  count.Bind(1, run_key);
  ACTISCOPE_ASSIGN_OR_RETURN(bool counted, count.Step());
  RunState& state = runs_[run_id];
  state.run_key = run_key;
  state.series_count = counted ? count.Int(0) : 0;
  return &state;
}

absl::StatusOr<IngestWriter::Prepared> IngestWriter::Prepare(Connection* conn,
                                                             const WriteBatch& batch) {
  for (size_t i = 0; i < batch.histograms.size(); ++i) {
    ACTISCOPE_RETURN_IF_ERROR(CheckCountsFitLayout(i, batch.histograms[i]));
  }
  Prepared prepared;
  prepared.batch = &batch;
  ACTISCOPE_ASSIGN_OR_RETURN(prepared.run, LoadRun(conn, batch.run_id));
  RunState* run = prepared.run;

  // Group by series in first-reported order, resolving each series' state and layout.
  std::vector<SeriesGroup>& groups = prepared.groups;
  // Keyed by views into the batch: no string copies per histogram.
  absl::flat_hash_map<std::tuple<absl::string_view, int, uint32_t>, size_t> group_of;
  // Layouts of (layer, kind) probes new in this batch: every rank must use the same one.
  absl::flat_hash_map<std::pair<std::string, int>, BinLayout> new_probes;
  // Series the run has with this batch's new ones, pending writes of this transaction included.
  auto pending_series = pending_series_.find(run);
  int64_t series_count =
      run->series_count + (pending_series == pending_series_.end() ? 0 : pending_series->second);
  for (const Histogram& h : batch.histograms) {
    auto [it, inserted] = group_of.try_emplace(
        std::make_tuple(absl::string_view(h.layer), static_cast<int>(h.kind), h.rank),
        groups.size());
    if (inserted) {
      SeriesKey key(h.layer, static_cast<int>(h.kind), h.rank);
      SeriesGroup& group = groups.emplace_back();
      group.key = key;
      group.first = &h;
      auto pending = pending_.find(std::make_pair(run, key));
      auto cached = run->series.find(key);
      if (pending != pending_.end()) {
        group.next = pending->second;
      } else if (cached != run->series.end()) {
        group.next = cached->second;
      } else {
        ACTISCOPE_ASSIGN_OR_RETURN(
            Statement stmt,
            conn->Prepare(absl::StrCat("SELECT series_id, scale, bins, lo, hi, ",
                                       kSeriesLastStepSql, ", rank FROM series ",
                                       "WHERE run_key = ?1 AND layer = ?2 AND kind = ?3 "
                                       "ORDER BY rank = ?4 DESC LIMIT 1")));
        stmt.Bind(1, run->run_key).BindText(2, h.layer).Bind(3, int64_t{static_cast<int>(h.kind)});
        stmt.Bind(4, int64_t{h.rank});
        ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
        group.is_new = !row || static_cast<uint32_t>(stmt.Int(6)) != h.rank;
        // A new rank of a known (layer, kind) must use that probe's layout.
        if (row) {
          group.next.layout = ReadLayout(stmt, 1);
        } else {
          group.next.layout =
              new_probes.try_emplace(std::make_pair(h.layer, static_cast<int>(h.kind)), h.layout)
                  .first->second;
        }
        if (group.is_new && ++series_count > limits_.max_series_per_run) {
          return TooManySeries(batch.run_id, h, series_count, limits_.max_series_per_run);
        }
        if (!group.is_new) {
          group.next.series_id = stmt.Int(0);
          group.next.last_step = stmt.Int(5);
          ACTISCOPE_RETURN_IF_ERROR(LoadSeriesState(conn, &group.next));
          run->series[key] = group.next;
        }
      }
    }
    SeriesGroup& group = groups[it->second];
    if (!(h.layout == group.next.layout)) return LayoutMismatch(h, group.next.layout);
    group.histograms.push_back(&h);
  }
  return prepared;
}

absl::StatusOr<WriteResult> IngestWriter::Apply(Connection* conn, Prepared& prepared) {
  const WriteBatch& batch = *prepared.batch;
  const int64_t run_key = prepared.run->run_key;
  WriteResult result;
  int64_t min_step = -1;
  int64_t max_step = -1;
  auto note_step = [&](int64_t step) {
    if (min_step < 0 || step < min_step) min_step = step;
    max_step = std::max(max_step, step);
  };
  // A histogram for a step that has one stored (or kept earlier in this batch).
  auto count_repeat = [&](const HistogramSums& h, const HistogramSums& kept) {
    ++(SameAsStored(h, kept) ? result.histograms_ignored : result.histograms_conflicting);
  };
  std::vector<int64_t> steps;
  std::vector<const HistogramSums*> values;
  std::vector<SealedBucket> sealed;
  for (SeriesGroup& group : prepared.groups) {
    std::vector<const Histogram*>& histograms = group.histograms;
    std::stable_sort(histograms.begin(), histograms.end(),
                     [](const Histogram* a, const Histogram* b) { return a->step < b->step; });
    steps.clear();
    values.clear();
    // Steps at or below the last one are looked up in their segments; ascending steps above it
    // (the common case) read nothing.
    SealedAdditions additions;
    std::optional<EarlierSteps> earlier;
    size_t late = 0;
    for (size_t i = 0; i < histograms.size();) {
      const Histogram* first = histograms[i];
      const HistogramSums* kept = &first->values;
      if (first->step > group.next.last_step) {
        steps.push_back(first->step);
        values.push_back(&first->values);
      } else {
        if (!earlier.has_value()) {
          earlier.emplace(conn, limits_.max_segment_steps, &group.next, &additions);
        }
        ACTISCOPE_ASSIGN_OR_RETURN(const HistogramSums* stored, earlier->Find(first->step));
        if (stored == nullptr) {
          earlier->AddLate(*first);
          ++late;
          note_step(first->step);
        } else {
          count_repeat(first->values, *stored);
          kept = stored;
        }
      }
      // Later histograms of the same step in this batch: the first one wins.
      for (++i; i < histograms.size() && histograms[i]->step == first->step; ++i) {
        count_repeat(histograms[i]->values, *kept);
      }
    }
    if (steps.empty() && late == 0) continue;
    result.histograms_stored += static_cast<uint32_t>(steps.size() + late);
    if (group.is_new) {
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("INSERT INTO series(run_key, layer, kind, rank, scale, bins, lo, hi) "
                        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
      const Histogram& h = *group.first;
      stmt.Bind(1, run_key).BindText(2, h.layer).Bind(3, int64_t{static_cast<int>(h.kind)});
      stmt.Bind(4, int64_t{h.rank}).Bind(5, int64_t{static_cast<int>(h.layout.scale)});
      stmt.Bind(6, int64_t{h.layout.bins}).Bind(7, h.layout.lo).Bind(8, h.layout.hi);
      ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
      group.next.series_id = sqlite3_last_insert_rowid(conn->raw());
      group.is_new = false;
      ++pending_series_[prepared.run];
    }
    if (late > 0) {
      // Late steps before new ones: AddLate placed them relative to the last step before this
      // batch, and Append seals the open buckets they joined.
      ACTISCOPE_RETURN_IF_ERROR(earlier->Flush());
      earlier.reset();  // Its segment's memory, before WriteSegments decodes the tail.
      ACTISCOPE_RETURN_IF_ERROR(AddToSealedBuckets(conn, group.next, additions));
    }
    if (!steps.empty()) {
      note_step(steps.front());
      note_step(steps.back());
      ACTISCOPE_RETURN_IF_ERROR(
          WriteSegments(conn, limits_.max_segment_steps, steps, values, &group.next));
      sealed.clear();
      group.next.Append(steps, values, &sealed);
      ACTISCOPE_RETURN_IF_ERROR(WriteSealedBuckets(conn, group.next.series_id, sealed));
    }
    pending_[std::make_pair(prepared.run, group.key)] = std::move(group.next);
  }
  for (const ScalarPoint& s : batch.scalars) {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt,
        conn->Prepare("INSERT OR IGNORE INTO scalars(run_key, name, rank, step, value) "
                      "VALUES(?1, ?2, ?3, ?4, ?5)"));
    stmt.Bind(1, run_key).BindText(2, s.name).Bind(3, int64_t{s.rank}).Bind(4, s.step);
    stmt.Bind(5, s.value);
    ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    note_step(s.step);
  }
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare("UPDATE runs SET "
                    "first_step = CASE WHEN ?2 >= 0 AND (first_step < 0 OR ?2 < first_step) "
                    "THEN ?2 ELSE first_step END, "
                    "last_step = max(last_step, ?3), last_update_us = ?4, "
                    "dropped_frames = dropped_frames + ?5, "
                    "conflicting_frames = conflicting_frames + ?6, "
                    "rejected_frames = rejected_frames + ?7 WHERE run_key = ?1"));
  stmt.Bind(1, run_key).Bind(2, min_step).Bind(3, max_step);
  stmt.Bind(4, absl::ToUnixMicros(absl::Now()));
  stmt.Bind(5, static_cast<int64_t>(batch.dropped_frames));
  stmt.Bind(6, int64_t{result.histograms_conflicting});
  stmt.Bind(7, static_cast<int64_t>(batch.rejected_frames));
  ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
  return result;
}

std::vector<absl::StatusOr<WriteResult>> IngestWriter::WriteGroup(
    Connection* conn, absl::Span<const WriteBatch* const> batches) {
  std::vector<absl::StatusOr<WriteResult>> results;
  auto fail_all = [&](const absl::Status& status) {
    pending_.clear();
    pending_series_.clear();
    results.assign(batches.size(), status);
    return results;
  };
  // Left over only when an exception ended the previous group (SqliteStore catches it).
  pending_.clear();
  pending_series_.clear();
  absl::StatusOr<Transaction> txn = Transaction::Begin(conn, /*immediate=*/true);
  if (!txn.ok()) return fail_all(txn.status());
  for (const WriteBatch* batch : batches) {
    absl::StatusOr<Prepared> prepared = Prepare(conn, *batch);
    if (!prepared.ok()) {
      // An error from SQLite may have rolled the transaction back (SQLITE_FULL, an I/O
      // error): writing on would commit the other batches piecemeal. Other errors (the
      // batch's own content, or damage found reading its series) stay with the batch: Prepare
      // writes nothing, so the transaction still holds the other batches.
      if (IsStoreError(prepared.status())) return fail_all(prepared.status());
      results.push_back(prepared.status());
      continue;
    }
    absl::StatusOr<WriteResult> result = Apply(conn, *prepared);
    if (!result.ok()) return fail_all(result.status());
    results.push_back(*result);
  }
  const absl::Status status = txn->Commit();
  if (!status.ok()) return fail_all(status);
  for (auto& [key, state] : pending_) key.first->series[key.second] = std::move(state);
  pending_.clear();
  for (const auto& [run, added] : pending_series_) run->series_count += added;
  pending_series_.clear();
  return results;
}

absl::Status IngestWriter::DeleteFromStep(Connection* conn, int64_t run_key, int64_t step,
                                          std::optional<uint32_t> rank) {
  // -1 (no rank) matches every rank in the statements below.
  const int64_t rank_or_all = rank.has_value() ? int64_t{*rank} : -1;
  std::vector<std::pair<int64_t, uint32_t>> series;  // id, bins
  {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt, conn->Prepare("SELECT series_id, bins FROM series WHERE run_key = ?1 AND "
                                      "(?2 < 0 OR rank = ?2)"));
    stmt.Bind(1, run_key).Bind(2, rank_or_all);
    for (;;) {
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (!row) break;
      series.emplace_back(stmt.Int(0), static_cast<uint32_t>(stmt.Int(1)));
    }
  }
  for (const auto& [series_id, bins] : series) {
    {
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("DELETE FROM segments WHERE series_id = ?1 AND first_step >= ?2"));
      stmt.Bind(1, series_id).Bind(2, step);
      ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    }
    std::optional<std::pair<int64_t, std::string>> straddling;
    {
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("SELECT segment_id, data FROM segments WHERE series_id = ?1 AND "
                        "first_step < ?2 AND last_step >= ?2"));
      stmt.Bind(1, series_id).Bind(2, step);
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) straddling.emplace(stmt.Int(0), std::string(stmt.Blob(1)));
    }
    if (straddling.has_value()) {
      ACTISCOPE_ASSIGN_OR_RETURN(std::vector<StepHistogram> kept,
                                 DecodeSeriesBlock(straddling->second, bins));
      kept.erase(std::remove_if(kept.begin(), kept.end(),
                                [&](const StepHistogram& s) { return s.step >= step; }),
                 kept.end());
      std::vector<int64_t> steps;
      std::vector<const HistogramSums*> values;
      for (const StepHistogram& s : kept) {
        steps.push_back(s.step);
        values.push_back(&s.values);
      }
      ACTISCOPE_RETURN_IF_ERROR(
          UpdateSegmentRow(conn, straddling->first, steps, EncodeSeriesBlock(bins, steps, values)));
    }
    int64_t last_step = -1;
    {
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("SELECT coalesce(max(last_step), -1) FROM segments WHERE series_id = ?1"));
      stmt.Bind(1, series_id);
      ACTISCOPE_ASSIGN_OR_RETURN(bool row, stmt.Step());
      if (row) last_step = stmt.Int(0);
    }
    for (int level = 0; level < kSummaryLevels; ++level) {
      // The bucket holding the new last step is open again; later ones held deleted steps.
      ACTISCOPE_ASSIGN_OR_RETURN(
          Statement stmt,
          conn->Prepare("DELETE FROM summaries WHERE series_id = ?1 AND level = ?2 AND "
                        "bucket >= ?3"));
      stmt.Bind(1, series_id).Bind(2, int64_t{level});
      stmt.Bind(3, last_step < 0 ? int64_t{0} : last_step / kSummaryWidths[level]);
      ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
    }
  }
  {
    ACTISCOPE_ASSIGN_OR_RETURN(
        Statement stmt, conn->Prepare("DELETE FROM scalars WHERE run_key = ?1 AND step >= ?2 AND "
                                      "(?3 < 0 OR rank = ?3)"));
    stmt.Bind(1, run_key).Bind(2, step).Bind(3, rank_or_all);
    ACTISCOPE_RETURN_IF_ERROR(stmt.Run());
  }
  ACTISCOPE_ASSIGN_OR_RETURN(
      Statement stmt,
      conn->Prepare(
          "UPDATE runs SET "
          "first_step = coalesce(min((SELECT min(g.first_step) FROM segments g JOIN series s "
          "USING(series_id) WHERE s.run_key = ?1), (SELECT min(step) FROM scalars WHERE "
          "run_key = ?1)), (SELECT min(g.first_step) FROM segments g JOIN series s "
          "USING(series_id) WHERE s.run_key = ?1), (SELECT min(step) FROM scalars WHERE "
          "run_key = ?1), -1), "
          "last_step = max(coalesce((SELECT max(g.last_step) FROM segments g JOIN series s "
          "USING(series_id) WHERE s.run_key = ?1), -1),"
          " coalesce((SELECT max(step) FROM scalars WHERE run_key = ?1), -1)) "
          "WHERE run_key = ?1"));
  stmt.Bind(1, run_key);
  return stmt.Run();
}

}  // namespace actiscope::server
