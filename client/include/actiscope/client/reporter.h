// The client library's entry point: a Reporter streams histograms and scalars of one training
// process (one rank of a run) to the actiscope collector.
//
// Flow: Record() histograms a tensor (histogram.h; on CUDA asynchronously on the device) and
// copies the small result into a bounded in-memory queue; a background thread batches queued
// frames by time and size, delta-codes and compresses them (proto/histogram_codec.h) and
// streams them with Collector.Push, keeping each batch until it is acknowledged. While the
// collector is unreachable the thread reconnects with exponential backoff and jitter; once the
// memory bound is reached, batches spill to an append-only, checksummed disk spool that is
// replayed when the collector is back, or by the next Reporter with the same spool_dir, or by
// SyncSpool (`actiscope sync DIR`); several processes may share one spool_dir. When the spool
// bound is also reached, frames are dropped, counted, logged and reported to the collector. A
// batch the collector refuses permanently (e.g. INVALID_ARGUMENT) is given up: its frames are
// counted as rejected, logged and reported, and the batches behind it go on (client/sender.h).
//
// Training never waits on I/O and never sees an exception from this library: errors are
// logged to stderr (rate-limited) and counted.
//
// Alerts: the collector flags unhealthy series at ingest (a collapsed layer, NaN values, ...)
// and announces each alert that began in the acknowledgement of the batch that made it begin
// (PushAck.alerts, proto/actiscope/v1/collector.proto); TakeAlerts hands them to the trainer,
// each once, without waiting.
//
// Example:
//   actiscope::client::ReporterOptions options;
//   options.run.name = "resnet18-lr0.1";
//   options.spool_dir = "/tmp/actiscope-spool";
//   auto reporter = actiscope::client::Reporter::Start(std::move(options));
//   if (!reporter.ok()) { ... }
//   (*reporter)->Record(step, actiscope::client::Kind::kActivation, "layer1", output, {});
//   (*reporter)->RecordScalar(step, "loss", loss.item<double>());
//   for (const auto& alert : (*reporter)->TakeAlerts()) { ... print alert.message ... }
//   (*reporter)->Finish(/*succeeded=*/true, absl::Seconds(10));
//
// Thread-safety: Record, RecordHeld, RecordScalar, TakeAlerts and Finish may be called from any
// thread.
#ifndef ACTISCOPE_CLIENT_REPORTER_H_
#define ACTISCOPE_CLIENT_REPORTER_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "actiscope/client/histogram.h"

namespace actiscope::client {

// What a histogram summarizes (the values match actiscope.v1.Kind).
enum class Kind { kActivation = 1, kGradient = 2, kWeight = 3 };

// The run this process reports into (actiscope.v1.RunSpec).
struct RunOptions {
  // 1-64 chars of [A-Za-z0-9._-]. Empty: a random, unique id is generated. All ranks of a
  // multi-process run must use the same id (StartRun is idempotent on the server).
  std::string run_id;
  std::string name;
  std::map<std::string, std::string> config;
  std::string host;    // Empty: gethostname().
  std::string device;  // Free text, e.g. "cuda:0" or "cpu".
  uint32_t world_size = 1;
  uint32_t rank = 0;  // Stamped on every frame and scalar.
  // Set when resuming from a checkpoint: stored data for steps >= this step is deleted, so
  // that the resumed steps replace it. The Reporter sends it with a random resume_id (32 hex
  // digits, one per Reporter) that every StartRun it sends and every spool segment it writes
  // repeat, so the collector applies the resume once, however often it is re-sent.
  std::optional<int64_t> resume_from_step;
  // false: the resume rewinds this rank's series and scalars only; true: every rank's.
  bool resume_whole_run = false;
};

// When the spool fsyncs (client/spool.h). Records are always written with write(2), so they
// survive the death of the process; fsync makes them survive the death of the machine.
enum class SpoolFsync {
  kOnSeal,       // fsync a segment and the directory when the segment is closed (default).
  kNever,        // Never fsync.
  kEveryRecord,  // fsync after every record (slow: one fsync per batch spilled).
};

struct ReporterOptions {
  // The collector's gRPC address: HOST:PORT (plaintext, or TLS when tls_ca_file or a client
  // certificate is set), grpc://HOST:PORT or http://HOST:PORT (plaintext), grpcs://HOST:PORT or
  // https://HOST:PORT (TLS; the system's roots unless tls_ca_file is set).
  std::string server_address = "127.0.0.1:50051";
  // Bearer token sent with every call, for a collector started with --auth_tokens (role ingest
  // or admin). Empty: the first line of token_file when that is set, else the ACTISCOPE_TOKEN
  // environment variable when set, else no token.
  std::string token;
  std::string token_file;
  // PEM file of the authority that signed the collector's certificate (a private CA).
  std::string tls_ca_file;
  // PEM files of a client certificate and its key, for a collector that requires mutual TLS.
  // Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
  RunOptions run;
  // Directory of the disk spool; created if missing. Empty: no spool (frames beyond the
  // memory bound are dropped and counted). Segments left there by processes that have ended
  // are resent first (and, checked every 30 s, those of processes that end meanwhile); other
  // live processes may use the same directory, each replaying its own segments.
  std::string spool_dir;
  SpoolFsync spool_fsync = SpoolFsync::kOnSeal;
  bool offline = false;  // Never connect; everything goes to the spool (requires spool_dir).
  size_t memory_bound_bytes = size_t{64} << 20;  // Queued and unacknowledged batches.
  // Total size of the segment files this process holds in the spool (its own and those it
  // took over from ended processes).
  size_t spool_bound_bytes = size_t{1} << 30;
  // Max age of a queued frame. Longer batches amortize per-request framing and the absolute
  // first frame of each series in a batch (proto/histogram_codec.h).
  absl::Duration flush_interval = absl::Seconds(1);
};

// An alert the collector announced for one of this run's series (rank, kind, layer): a
// condition of the rules in server/alerts/alert_rules.h that began. A notification, best
// effort: `actiscope alerts RUN` (Query.ListAlerts) is the record, with clears and the last
// step each alert held.
struct AlertNotice {
  uint32_t rank = 0;
  Kind kind = Kind::kActivation;
  std::string layer;
  // "collapse", "dead", "frozen", "exploding", "saturated", "nonfinite",
  // "vanishing_gradient" or "exploding_gradient"; a newer collector may send others.
  std::string type;
  std::string severity;    // "info", "warning" or "critical".
  int64_t first_step = 0;  // The step at which the condition began.
  int64_t step = 0;        // The step at which the collector flagged it (>= first_step).
  double value = 0;        // The rule's measure at `step`.
  double threshold = 0;    // The rule's limit on it.
  std::string message;     // One sentence: what it shows, the usual cause, what to try.
};

// What Finish achieved. Every frame recorded is in exactly one of acked, rejected, dropped and
// in_spool; frames replayed from segments of ended processes count as acked, rejected or
// dropped too.
struct FinishReport {
  uint64_t frames_acked = 0;     // Acknowledged by the collector (stored, duplicates, conflicts).
  uint64_t frames_in_spool = 0;  // Left in the spool for a later Reporter or `actiscope sync`.
  // Lost to full memory and disk bounds, invalid input, or damaged spool records.
  uint64_t frames_dropped = 0;
  // Refused permanently: their batch was refused by the collector (client/sender.h), or their
  // Record changed the bin layout of their (layer, kind).
  uint64_t frames_rejected = 0;
  bool all_delivered = false;  // Every recorded frame was acknowledged.
  // Bytes written to the collector: each Push request's serialized size plus 14 bytes of gRPC
  // and HTTP/2 DATA framing, resends included. wire_bytes / frames_acked is the wire cost of
  // one histogram, the scalars sent with them included (the stream's headers aside).
  uint64_t wire_bytes = 0;
  // Alerts announced that TakeAlerts never returned: beyond its queue's bound, or left out of
  // a full acknowledgement by the collector (PushAck.alerts_omitted).
  uint64_t alerts_dropped = 0;
};

struct HeldRecord;  // actiscope/client/held_record.h

class Reporter {
 public:
  // Validates `options` (INVALID_ARGUMENT naming the field), opens the spool (INTERNAL naming
  // the path when spool_dir cannot be created or written) and starts the background thread. Does
  // not wait for the collector: StartRun is retried in the background. Turns off Abseil's mutex
  // deadlock detection for the process (on in Abseil builds without NDEBUG, such as Debian's: it
  // made each lock cost about a microsecond on the training thread); call
  // absl::SetMutexDeadlockDetectionMode afterwards to have it back.
  static absl::StatusOr<std::unique_ptr<Reporter>> Start(ReporterOptions options);

  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;
  // Finish(true, 5 s) unless Finish was called.
  ~Reporter();

  const std::string& run_id() const;

  // Histograms `values` (float32/float16/bfloat16, any device, any strides) with `layout` and
  // queues the frame for (step, kind, layer). Never throws and never blocks on I/O; on a CPU
  // tensor it returns microseconds after the histogram is computed; on CUDA it only enqueues
  // device work and an asynchronous copy of the small result. Invalid input (empty layer or
  // one over 256 bytes, negative step, invalid layout, other dtype) is logged and counted as
  // dropped. The first layout recorded for a (layer, kind) sticks: a later Record of it with a
  // different layout is not sent (the collector would refuse its whole batch), logged and
  // counted as rejected.
  void Record(int64_t step, Kind kind, std::string_view layer, const at::Tensor& values,
              const BinLayout& layout);
  // Record for tensors held since they were produced (the trainer holds a step's activations
  // until its forward pass ends), cheaper than a Record each: the contiguous CPU ones are
  // histogrammed together in one parallel pass, which saves a fork and join of the intra-op
  // threads per tensor and runs the library's code hot (they are queued after the others). Never
  // throws. A tensor whose version counter moved since it was held was changed by an in-place op
  // (on it or on a view sharing its storage's counter), so that its values may no longer be the
  // ones it was held for: its frame is dropped, counted and logged. Writes that bypass the
  // counter (through data_ptr(), a .data() alias, from_blob) are not seen, and a tensor without
  // a counter (an inference tensor) is recorded as it is by then.
  void RecordHeld(const std::vector<HeldRecord>& held);
  // Queues an already computed histogram (e.g. from ComputeHistogram on float data) with the
  // `layout` it was computed with; dropped like Record's input, or when `result` does not have
  // layout.bins counts; rejected like Record's on a changed layout.
  void RecordHistogram(int64_t step, Kind kind, std::string_view layer,
                       const HistogramResult& result, const BinLayout& layout);
  void RecordScalar(int64_t step, std::string_view name, double value);

  // Flushes everything queued, waiting at most `timeout` for acknowledgements, then reports
  // the run finished (or failed) to the collector. What is not acknowledged by then stays in
  // the spool (when there is one), which Finish closes: another process (or Reporter) with the
  // same spool_dir may then replay it. A hung collector can hold Finish up to about 2 s past
  // `timeout` (an RPC in flight). Idempotent: later calls return the first report.
  FinishReport Finish(bool succeeded, absl::Duration timeout);

  // The alerts the collector announced since the previous call (oldest first), each once:
  // an alert is known by (rank, kind, layer, type, first_step), and one seen before (a batch
  // re-sent after a reconnect, a spool replay) is not returned again. Never blocks on I/O:
  // one uncontended mutex, usually to find nothing, so a training loop may call it every step.
  // At most 256 wait between calls; later ones are dropped and counted
  // (FinishReport::alerts_dropped). Still callable after Finish, for the alerts its last acks
  // brought.
  std::vector<AlertNotice> TakeAlerts();

 private:
  class Impl;
  explicit Reporter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// What SyncSpoolWithReport achieved, in frames.
struct SyncReport {
  uint64_t frames_acked = 0;     // Acknowledged by the collector.
  uint64_t frames_rejected = 0;  // Their batch was refused permanently (client/sender.h).
  uint64_t frames_dropped = 0;   // Lost to damaged spool records (where their count is known).
  uint64_t frames_in_spool = 0;  // Of ended processes' segments, not delivered by the deadline.
  // In the segments of processes still running (never replayed by a sync), when it started.
  uint64_t frames_of_live_writers = 0;
};

// Resends every batch of the segments that processes which have ended (earlier Reporters) left
// in `options.spool_dir` to the collector `options` name (server_address, token and the TLS
// files; the other fields are unused), deleting each segment once all its batches are
// acknowledged or rejected; segments of live processes are left to them. When the collector could
// not take everything within `timeout` (what was not acknowledged stays in the spool):
// UNAUTHENTICATED / PERMISSION_DENIED when it refused the token, else DEADLINE_EXCEEDED, the
// message ending in the last error. NOT_FOUND when the directory does not exist; INVALID_ARGUMENT
// naming the field for invalid options.
absl::StatusOr<SyncReport> SyncSpoolWithReport(const ReporterOptions& options,
                                               absl::Duration timeout);
// SyncSpoolWithReport's frames_acked.
absl::StatusOr<uint64_t> SyncSpool(const ReporterOptions& options, absl::Duration timeout);

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_REPORTER_H_
