// CollectorService: the ingest side of the gRPC contract (actiscope.v1.Collector). It checks
// each request (server/grpc/request_validation.h, codec::DecodeBatchCounts; the only checks of
// ingested data, which the store relies on: server/store/ingest_writer.h), converts it to the
// store's structs (server/grpc/proto_convert.h), writes it to the SqliteStore and tells the
// RunNotifier, so that watchers of the run wake up.
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
#include "server/run_notifier.h"
#include "server/store/sqlite_store.h"

namespace actiscope::server {

struct CollectorOptions {
  // The largest FrameBatch a zstd_batch may decompress to; larger ones are RESOURCE_EXHAUSTED.
  size_t max_batch_bytes = 16 << 20;
};

class CollectorService final : public v1::Collector::Service {
 public:
  // `store` and `notifier` must outlive the service.
  CollectorService(CollectorOptions options, SqliteStore* store, RunNotifier* notifier);

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
  // The run's world_size, from `known_runs` or the store; NOT_FOUND for an unknown run.
  absl::StatusOr<uint32_t> RunWorldSize(const std::string& run_id, KnownRuns* known_runs);

  const CollectorOptions options_;
  SqliteStore* const store_;
  RunNotifier* const notifier_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_GRPC_COLLECTOR_SERVICE_H_
