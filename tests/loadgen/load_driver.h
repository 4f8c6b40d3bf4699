// The load generator's engine: K concurrent clients, each its own run on its own gRPC
// connection, push SyntheticRun data through Collector.Push and time every ack. Used by the
// actiscope-loadgen binary and the ingest benchmark.
//
// Each client: StartRun, then one Push stream carrying batches of `steps_per_push` steps (every
// layer and kind, plus the "loss" and "lr" scalars), built with codec::FrameBatchBuilder and sent
// as zstd_batch with at most `max_in_flight` unacknowledged batches, then FinishRun(FINISHED).
// Run ids are "<run_prefix>-<client>", the client number being SyntheticRun's run_index.
//
// Thread-safety: RunLoad is reentrant; it starts and joins its own threads.
#ifndef ACTISCOPE_TESTS_LOADGEN_LOAD_DRIVER_H_
#define ACTISCOPE_TESTS_LOADGEN_LOAD_DRIVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/client_connection.h"
#include "tests/loadgen/synthetic_run.h"

namespace actiscope::loadgen {

struct LoadOptions {
  // The server (common/client_connection.h: address forms, token, TLS files).
  ConnectionOptions connection = [] {
    ConnectionOptions local;
    local.address = "127.0.0.1:50051";
    return local;
  }();
  int clients = 1;
  SyntheticRunOptions run;  // run.steps is the number of steps each client sends.
  int steps_per_push = 64;
  std::string run_prefix = "load";
  // The runs' display name (RunSpec.name); empty means the run id. Suffixed by "-<client>"
  // when there are several clients.
  std::string run_name;
  // Zero: send as fast as acks allow. Otherwise each client sends about this many steps per
  // second (batches of a tenth of a second), for watching a run grow live.
  double live_rate_steps_per_s = 0;
  int max_in_flight = 8;
  // Build and compress every batch before the clock starts, so the figures measure the server
  // rather than the generator (the ingest benchmark's setting). Holds all batches in memory.
  bool prebuild = false;
  absl::Duration rpc_timeout = absl::Seconds(10);     // StartRun and FinishRun.
  absl::Duration stream_timeout = absl::Minutes(30);  // The whole Push stream.
};

struct LoadReport {
  std::vector<std::string> run_ids;
  uint64_t histograms = 0;  // Acknowledged (committed) histograms.
  uint64_t scalars = 0;
  uint64_t pushes = 0;         // Acknowledged batches.
  uint64_t frames_stored = 0;  // As the acks report.
  uint64_t frames_ignored = 0;
  uint64_t wire_bytes = 0;  // Compressed batch bytes sent.
  absl::Duration elapsed;   // From the first send to the last ack.
  absl::Duration ack_p50;   // Send-to-ack latency of a batch.
  absl::Duration ack_p99;
  // This process's CPU time from the first send to the end (the load generator's own cost).
  absl::Duration client_cpu;
  double histograms_per_s() const;
};

// Runs the load. The first failing RPC's status (with the run id and what failed) is returned.
absl::StatusOr<LoadReport> RunLoad(const LoadOptions& options);

// The report as one JSON object: {"runs":[...], "histograms":N, "scalars":N, "pushes":N,
// "frames_stored":N, "frames_ignored":N, "wire_bytes":N, "elapsed_s":X,
// "histograms_per_s":X, "ack_p50_ms":X, "ack_p99_ms":X, "client_cpu_s":X}.
std::string ReportJson(const LoadReport& report);
// The report as a few human-readable lines.
std::string ReportText(const LoadReport& report);

}  // namespace actiscope::loadgen

#endif  // ACTISCOPE_TESTS_LOADGEN_LOAD_DRIVER_H_
