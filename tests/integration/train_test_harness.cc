#include "tests/integration/train_test_harness.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/grpc_status.h"
#include "server/store/store_types.h"

namespace actiscope::trainer {
namespace {

constexpr absl::Duration kRpcTimeout = absl::Seconds(20);

std::unique_ptr<v1::Query::Stub> Connect(const std::string& address) {
  return v1::Query::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::vector<double> Distribution(const v1::HeatmapColumn& column) {
  std::vector<double> d = {static_cast<double>(column.below())};
  for (uint64_t c : column.counts()) d.push_back(static_cast<double>(c));
  d.push_back(static_cast<double>(column.above()));
  double total = 0;
  for (double v : d) total += v;
  if (total > 0) {
    for (double& v : d) v /= total;
  }
  return d;
}

v1::HeatmapColumn SumColumns(const v1::Heatmap& heatmap, int from, int to) {
  v1::HeatmapColumn sum = heatmap.columns(from);
  for (int i = from + 1; i < to; ++i) {
    const v1::HeatmapColumn& c = heatmap.columns(i);
    for (int b = 0; b < std::min(sum.counts_size(), c.counts_size()); ++b) {
      sum.set_counts(b, sum.counts(b) + c.counts(b));
    }
    sum.set_below(sum.below() + c.below());
    sum.set_above(sum.above() + c.above());
    sum.set_elements(sum.elements() + c.elements());
  }
  return sum;
}

}  // namespace

absl::StatusOr<TrainerOutput> ParseTrainerOutput(const std::string& out, const std::string& err) {
  TrainerOutput result;
  result.out = out;
  result.err = err;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    for (size_t i = 0; i + 1 < words.size(); ++i) {
      if (words[i] == "run_id") result.run_id = std::string(words[i + 1]);
      if (words[i] == "parameter_checksum") result.parameter_checksum = std::string(words[i + 1]);
      if (words[i] == "test_error_rate" && words[0] == "steps") {
        (void)absl::SimpleAtod(words[i + 1], &result.test_error_rate);
      }
    }
  }
  if (result.run_id.empty() || result.parameter_checksum.empty() || result.test_error_rate < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("actiscope-train did not finish; stdout:\n", out, "\nstderr:\n", err));
  }
  return result;
}

absl::StatusOr<v1::Heatmap> FetchHeatmap(const std::string& grpc_address, const std::string& run_id,
                                         const std::string& layer, v1::Kind kind,
                                         std::optional<uint32_t> rank) {
  v1::GetHeatmapRequest request;
  request.set_run_id(run_id);
  request.set_layer(layer);
  request.set_kind(kind);
  // The most columns a server with the default --max_heatmap_columns allows.
  request.set_max_columns(server::QueryLimits{}.max_heatmap_columns);
  if (rank.has_value()) {
    request.set_has_rank(true);
    request.set_rank(*rank);
  }
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  v1::Heatmap heatmap;
  const grpc::Status status = Connect(grpc_address)->GetHeatmap(&context, request, &heatmap);
  if (absl::Status s = FromGrpcStatus(status, absl::StrCat("GetHeatmap ", run_id, " ", layer));
      !s.ok()) {
    return s;
  }
  return heatmap;
}

absl::StatusOr<v1::RunDetail> FetchRun(const std::string& grpc_address, const std::string& run_id) {
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  v1::RunDetail detail;
  const grpc::Status status = Connect(grpc_address)->GetRun(&context, request, &detail);
  if (absl::Status s = FromGrpcStatus(status, absl::StrCat("GetRun ", run_id)); !s.ok()) return s;
  return detail;
}

absl::StatusOr<std::vector<v1::Alert>> FetchAlerts(const std::string& grpc_address,
                                                   const std::string& run_id) {
  v1::ListAlertsRequest request;
  request.set_run_id(run_id);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kRpcTimeout));
  v1::ListAlertsResponse response;
  const grpc::Status status = Connect(grpc_address)->ListAlerts(&context, request, &response);
  if (absl::Status s = FromGrpcStatus(status, absl::StrCat("ListAlerts ", run_id)); !s.ok()) {
    return s;
  }
  return std::vector<v1::Alert>(response.alerts().begin(), response.alerts().end());
}

double LowestBinShare(const v1::HeatmapColumn& column) {
  if (column.elements() == 0 || column.counts_size() == 0) return 0;
  return static_cast<double>(column.counts(0)) / static_cast<double>(column.elements());
}

double MeanLowestBinShare(const v1::Heatmap& heatmap, int from, int to) {
  from = std::max(from, 0);
  to = std::min(to, heatmap.columns_size());
  if (from >= to) return 0;
  double sum = 0;
  for (int i = from; i < to; ++i) sum += LowestBinShare(heatmap.columns(i));
  return sum / (to - from);
}

double L1Distance(const v1::HeatmapColumn& a, const v1::HeatmapColumn& b) {
  const std::vector<double> da = Distribution(a);
  const std::vector<double> db = Distribution(b);
  double distance = 0;
  for (size_t i = 0; i < std::min(da.size(), db.size()); ++i) distance += std::abs(da[i] - db[i]);
  return distance;
}

double StartToEndDistance(const v1::Heatmap& heatmap, int window) {
  const int n = heatmap.columns_size();
  window = std::min(window, n);
  if (window < 1) return 0;
  return L1Distance(SumColumns(heatmap, 0, window), SumColumns(heatmap, n - window, n));
}

}  // namespace actiscope::trainer
