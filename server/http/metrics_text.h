// The body of GET /metrics: actiscope-server's counters in the Prometheus text exposition
// format (version 0.0.4), for an operator's scraper and alerts. deploy/OPERATIONS.md lists
// every metric and what to alert on. Sources: the store's StoreStats (frames, commits, errors,
// queue, size, health) and the gRPC edge's IngestCounters (refusals, open streams).
//
// Thread-safety: a pure function.
#ifndef ACTISCOPE_SERVER_HTTP_METRICS_TEXT_H_
#define ACTISCOPE_SERVER_HTTP_METRICS_TEXT_H_

#include <string>

#include "server/ingest_counters.h"
#include "server/store/store_stats.h"

namespace actiscope::server {

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

std::string MetricsText(const StoreStats& store, const IngestCounters::Snapshot& ingest);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_METRICS_TEXT_H_
