#include "server/http/metrics_text.h"

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace actiscope::server {
namespace {

void Header(std::string* out, const char* name, const char* type, const char* help) {
  absl::StrAppend(out, "# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void Sample(std::string* out, const char* name, const std::string& labels, double value) {
  absl::StrAppend(out, name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ", value,
                  "\n");
}

void Sample(std::string* out, const char* name, const std::string& labels, uint64_t value) {
  absl::StrAppend(out, name, labels.empty() ? "" : absl::StrCat("{", labels, "}"), " ", value,
                  "\n");
}

std::string CodeLabel(int code) {
  return absl::StrCat(
      "code=\"",
      absl::AsciiStrToLower(absl::StatusCodeToString(static_cast<absl::StatusCode>(code))), "\"");
}

}  // namespace

std::string MetricsText(const StoreStats& store, const IngestCounters::Snapshot& ingest) {
  std::string out;
  Header(&out, "actiscope_frames_total", "counter",
         "Histogram frames of committed Push requests, by outcome: stored, ignored (identical "
         "to the stored frame) or conflicting (differed from it; not stored).");
  Sample(&out, "actiscope_frames_total", "outcome=\"stored\"", store.frames_stored);
  Sample(&out, "actiscope_frames_total", "outcome=\"ignored\"", store.frames_ignored);
  Sample(&out, "actiscope_frames_total", "outcome=\"conflicting\"", store.frames_conflicting);

  Header(&out, "actiscope_frames_rejected_total", "counter",
         "Frames in Push requests the collector refused, by status code (nothing of a refused "
         "request is stored).");
  Header(&out, "actiscope_requests_rejected_total", "counter",
         "Push requests and StartRun calls the collector refused, by status code.");
  std::string requests;
  for (int code = 1; code < IngestCounters::kCodes; ++code) {
    if (ingest.refused[code] == 0) continue;
    Sample(&out, "actiscope_frames_rejected_total", CodeLabel(code), ingest.frames_refused[code]);
    Sample(&requests, "actiscope_requests_rejected_total", CodeLabel(code), ingest.refused[code]);
  }
  out += requests;

  Header(&out, "actiscope_client_frames_total", "counter",
         "Frames clients reported losing: dropped (their memory and disk bounds were full) or "
         "rejected (they gave up after a permanent refusal).");
  Sample(&out, "actiscope_client_frames_total", "outcome=\"dropped\"",
         store.frames_dropped_by_clients);
  Sample(&out, "actiscope_client_frames_total", "outcome=\"rejected\"",
         store.frames_rejected_by_clients);

  Header(&out, "actiscope_commit_latency_seconds", "histogram",
         "Time of each group commit, from the transaction's start to its durable commit.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < store.commit_latency_buckets.size(); ++i) {
    cumulative += store.commit_latency_buckets[i];
    const std::string le =
        i < kCommitLatencyBounds.size() ? absl::StrCat(kCommitLatencyBounds[i]) : "+Inf";
    Sample(&out, "actiscope_commit_latency_seconds_bucket", absl::StrCat("le=\"", le, "\""),
           cumulative);
  }
  Sample(&out, "actiscope_commit_latency_seconds_sum", "", store.commit_latency_seconds_sum);
  Sample(&out, "actiscope_commit_latency_seconds_count", "", cumulative);

  Header(&out, "actiscope_store_errors_total", "counter",
         "Push requests that failed for an error of SQLite or the file system (disk full, I/O "
         "error); clients keep their data and retry.");
  Sample(&out, "actiscope_store_errors_total", "", store.store_errors);
  Header(&out, "actiscope_store_up", "gauge",
         "1 while the store can commit, 0 from a failed commit until one succeeds again (then "
         "gRPC health and /healthz say NOT_SERVING).");
  Sample(&out, "actiscope_store_up", "", uint64_t{store.commit_ok ? 1u : 0u});
  Header(&out, "actiscope_write_queue_depth", "gauge",
         "Push requests waiting for the group commit now.");
  Sample(&out, "actiscope_write_queue_depth", "", static_cast<double>(store.queue_depth));
  Header(&out, "actiscope_push_streams_open", "gauge", "Push streams open now.");
  Sample(&out, "actiscope_push_streams_open", "", static_cast<double>(ingest.open_push_streams));
  Header(&out, "actiscope_database_bytes", "gauge",
         "Bytes of the database file and its write-ahead log.");
  Sample(&out, "actiscope_database_bytes", "", static_cast<double>(store.database_bytes));
  return out;
}

}  // namespace actiscope::server
