// CollectorService: the ingest side of the gRPC contract (actiscope.v1.Collector). It checks
// each request (server/grpc/request_validation.h, codec::DecodeBatchCounts; the only checks of
// ingested data, which the store relies on: server/store/ingest_writer.h), converts it to the
// store's structs (server/grpc/proto_convert.h), writes it to the SqliteStore and tells the
// RunNotifier, so that watchers of the run wake up.
//
// After a Push request is committed, its histograms feed the alert detectors (server/alerts/
// alert_engine.h, O(1) per frame, no database reads) and the alerts that began, cleared or are
// due for a refresh are upserted into the store in one transaction. Those that began (new
// episodes, server/grpc/began_alerts.h) are also announced in that request's ack
// (PushAck.alerts, at most kMaxAlertsPerAck), so the trainer can print them. Detector state
// lives only in this service: a restart starts detectors fresh, while stored alerts stay.
// FinishRun and a resuming StartRun forget the run's detectors.
//
// Every call is first authorized (server/grpc/call_auth.h: role ingest); a Push stream is then
// admitted (server/grpc/stream_admission.h) and each request reserves its decoding memory
// (server/grpc/ingest_budget.h) before anything is decompressed or decoded.
//
// Push runs on gRPC's synchronous API, one handler thread per open stream; each request is
// decoded, committed and acknowledged before the next is read, so acks come in request order
// and an ack means durable. Concurrency comes from concurrent streams. A rejected request ends
// its stream with INVALID_ARGUMENT, NOT_FOUND or RESOURCE_EXHAUSTED and nothing of it is
// stored; other streams are unaffected.
//
// Thread-safety: the handlers are safe to call concurrently (the store and notifier are).
#ifndef ACTISCOPE_SERVER_GRPC_COLLECTOR_SERVICE_H_
#define ACTISCOPE_SERVER_GRPC_COLLECTOR_SERVICE_H_

#include <cstddef>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "server/alerts/alert_engine.h"
#include "server/grpc/began_alerts.h"
#include "server/grpc/call_auth.h"
#include "server/grpc/ingest_budget.h"
#include "server/grpc/stream_admission.h"
#include "server/ingest_counters.h"
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct CollectorOptions {
  // The largest FrameBatch a zstd_batch may decompress to; larger ones are RESOURCE_EXHAUSTED.
  size_t max_batch_bytes = 16 << 20;
  // Frames and scalars one Push request may hold (RESOURCE_EXHAUSTED beyond, checked before
  // any count is decoded); the client library sends at most 4096 frames per request.
  uint32_t max_frames_per_request = 8192;
  uint32_t max_scalars_per_request = 65536;
  // Bytes of a RunSpec's config, keys and values together (INVALID_ARGUMENT beyond).
  uint64_t max_config_bytes = 64 << 10;
  // The alert detectors' rules and memory caps (server/alerts/alert_engine.h).
  AlertEngineOptions alerts;
};

// What the gRPC server shares with CollectorService: who may call, how many Push streams it
// holds, the memory requests may take, and where refusals and open streams are counted
// (null: not counted). All must outlive the service.
struct CollectorGuards {
  const CallAuthorizer* authorizer;
  StreamAdmission* push_streams;
  IngestBudget* budget;
  IngestCounters* counters = nullptr;
};

class CollectorService final : public v1::Collector::Service {
 public:
  // `store` and `notifier` must outlive the service.
  CollectorService(CollectorOptions options, CollectorGuards guards, SqliteStore* store,
                   RunNotifier* notifier);

  grpc::Status StartRun(grpc::ServerContext* context, const v1::RunSpec* spec,
                        v1::StartRunResponse* response) override;
  grpc::Status Push(grpc::ServerContext* context,
                    grpc::ServerReaderWriter<v1::PushAck, v1::PushRequest>* stream) override;
  grpc::Status FinishRun(grpc::ServerContext* context, const v1::FinishRunRequest* request,
                         v1::FinishRunResponse* response) override;

 private:
  // The runs one Push stream has already seen exist, with their world sizes.
  using KnownRuns = absl::flat_hash_map<std::string, uint32_t>;

  // Validates, decodes and stores one request (taking strings and counts out of it), and
  // returns its ack. Every frame's and scalar's rank must be below the run's world_size.
  absl::StatusOr<v1::PushAck> Ingest(v1::PushRequest* request, KnownRuns* known_runs);
  // Feeds the committed batch's histograms to the detectors and upserts the alerts that
  // changed (a failure to store them is logged to stderr, not returned); adds those that
  // began to `ack`.
  void UpdateAlerts(const WriteBatch& write, v1::PushAck* ack);
  // OK when the batch's frames and scalars are within the per-request limits.
  absl::Status CheckBatchSize(const v1::FrameBatch& batch) const;
  // The run's world_size, from `known_runs` or the store; NOT_FOUND for an unknown run.
  absl::StatusOr<uint32_t> RunWorldSize(const std::string& run_id, KnownRuns* known_runs);

  const CollectorOptions options_;
  const CollectorGuards guards_;
  SqliteStore* const store_;
  RunNotifier* const notifier_;
  AlertEngine alerts_;
  BeganAlerts began_alerts_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_COLLECTOR_SERVICE_H_
