// CheckStored: GetHeatmap per layer, one column per step, against FaultFrames.
#include "tests/faults/stored_frames.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "common/grpc_status.h"

namespace actiscope::faults {
namespace {

constexpr int64_t kStepsPerQuery = 1000;
constexpr absl::Duration kQueryTimeout = absl::Seconds(20);

std::unique_ptr<v1::Query::Stub> QueryStub(const std::string& address) {
  return v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(absl::ToChronoTime(absl::Now() + kQueryTimeout));
}

bool SameHistogram(const v1::HeatmapColumn& column, const loadgen::SyntheticHistogram& expected) {
  const v1::HistogramStats& s = expected.stats;
  return std::vector<uint64_t>(column.counts().begin(), column.counts().end()) == expected.counts &&
         column.below() == s.below() && column.above() == s.above() &&
         column.zeros() == s.zeros() && column.nonfinite() == s.nonfinite() &&
         column.elements() == s.elements() && column.sum() == s.sum() &&
         column.sum_squares() == s.sum_squares() && column.min() == s.min() &&
         column.max() == s.max();
}

}  // namespace

absl::StatusOr<std::map<int64_t, v1::HeatmapColumn>> ReadStepColumns(
    const std::string& grpc_address, const std::string& run_id, const std::string& layer,
    v1::Kind kind, uint32_t rank, int64_t from, int64_t to) {
  auto query = QueryStub(grpc_address);
  std::map<int64_t, v1::HeatmapColumn> by_step;
  for (int64_t chunk = from; chunk <= to; chunk += kStepsPerQuery) {
    const int64_t last = std::min(to, chunk + kStepsPerQuery - 1);
    v1::GetHeatmapRequest request;
    request.set_run_id(run_id);
    request.set_layer(layer);
    request.set_kind(kind);
    request.set_from_step(chunk);
    request.set_to_step(last);
    request.set_max_columns(static_cast<uint32_t>(last - chunk + 1));  // One column per step.
    request.set_has_rank(true);
    request.set_rank(rank);
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::Heatmap heatmap;
    const absl::Status status =
        FromGrpcStatus(query->GetHeatmap(&context, request, &heatmap),
                       absl::StrCat("GetHeatmap ", run_id, " ", layer, " rank ", rank));
    if (!status.ok()) return status;
    for (const v1::HeatmapColumn& column : heatmap.columns()) {
      if (column.histograms() == 0) continue;
      if (column.step_from() != column.step_to()) {
        return absl::InternalError(absl::StrCat("run ", run_id, " layer ", layer,
                                                ": a column of steps ", column.step_from(), "-",
                                                column.step_to(), " where one per step was asked"));
      }
      by_step[column.step_from()] = column;
    }
  }
  return by_step;
}

absl::StatusOr<v1::RunSummary> GetRunSummary(const std::string& grpc_address,
                                             const std::string& run_id) {
  absl::StatusOr<v1::RunDetail> detail = GetRunDetail(grpc_address, run_id);
  if (!detail.ok()) return detail.status();
  return detail->run();
}

absl::StatusOr<v1::RunDetail> GetRunDetail(const std::string& grpc_address,
                                           const std::string& run_id) {
  auto query = QueryStub(grpc_address);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  v1::RunDetail detail;
  const absl::Status status =
      FromGrpcStatus(query->GetRun(&context, request, &detail), absl::StrCat("GetRun ", run_id));
  if (!status.ok()) return status;
  return detail;
}

absl::StatusOr<StoredCheck> CheckStored(const std::string& grpc_address,
                                        const ExpectedFrames& expected) {
  StoredCheck check;
  check.expected = expected.count();
  const int64_t end = expected.first_step + expected.steps;  // Exclusive.
  absl::StatusOr<v1::RunSummary> summary = GetRunSummary(grpc_address, expected.run_id);
  if (!summary.ok() && !absl::IsNotFound(summary.status())) return summary.status();
  if (!summary.ok() || summary->last_step() < 0) {  // Nothing of the run is stored.
    check.missing = check.expected;
    return check;
  }
  const int64_t to = std::max(summary->last_step(), end - 1);
  const FaultFrames frames(expected.frames);
  for (int layer = 0; layer < expected.frames.layers; ++layer) {
    absl::StatusOr<std::map<int64_t, v1::HeatmapColumn>> read =
        ReadStepColumns(grpc_address, expected.run_id, frames.layer_names()[layer],
                        v1::KIND_ACTIVATION, expected.frames.rank, 0, to);
    if (!read.ok() && !absl::IsNotFound(read.status())) return read.status();
    const std::map<int64_t, v1::HeatmapColumn> by_step =
        read.ok() ? *std::move(read) : std::map<int64_t, v1::HeatmapColumn>();
    for (int64_t step = expected.first_step; step < end; ++step) {
      const auto it = by_step.find(step);
      if (it == by_step.end()) {
        ++check.missing;
      } else if (it->second.histograms() > 1) {
        ++check.duplicates;
      } else if (!SameHistogram(it->second, frames.Histogram(layer, step))) {
        ++check.mismatched;
      } else {
        ++check.stored;
      }
    }
    for (const auto& [step, column] : by_step) {
      if (step >= expected.first_step && step < end) continue;
      ++check.outside;
      if (column.histograms() > 1) ++check.duplicates;
    }
  }
  return check;
}

void FaultTally::Print(const std::string& fault_case) const {
  std::printf("FAULT-TABLE | %s | %d | %llu | %llu | %llu | %llu\n", fault_case.c_str(), runs,
              static_cast<unsigned long long>(acked), static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(duplicates),
              static_cast<unsigned long long>(conflicts));
  std::fflush(stdout);
}

}  // namespace actiscope::faults
