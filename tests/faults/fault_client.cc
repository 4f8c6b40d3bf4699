// RunFaultClient: FaultFrames -> PushRequests -> Sender (with its Spool and CollectorSession),
// paced, stoppable by SIGTERM or a stop file, then drained and counted.
#include "tests/faults/fault_client.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <limits>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/collector_session.h"
#include "client/rate_limited_log.h"
#include "client/run_spec.h"
#include "client/sender.h"
#include "client/spool.h"
#include "proto/histogram_codec.h"

namespace actiscope::faults {
namespace {

constexpr absl::Duration kFinishTimeout = absl::Seconds(2);
constexpr absl::Duration kDrainSlice = absl::Milliseconds(100);  // How often SIGTERM is checked.

// Waits up to `wait` for SIGTERM (blocked by the caller). True once it came; it stays true.
bool StopSignalled(absl::Duration wait) {
  static bool signalled = false;
  if (signalled) return true;
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  const timespec timeout = absl::ToTimespec(std::max(wait, absl::ZeroDuration()));
  signalled = sigtimedwait(&term, nullptr, &timeout) == SIGTERM;
  return signalled;
}

bool StopFileExists(const std::string& path) {
  return !path.empty() && access(path.c_str(), F_OK) == 0;
}

absl::Status Validate(const FaultClientOptions& options) {
  if (options.steps < 0 || options.first_step < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--first_step and --steps must be >= 0: ", options.first_step, ", ", options.steps));
  }
  if (options.steps_per_request < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--steps_per_request must be >= 1: ", options.steps_per_request));
  }
  if (options.frames.layers < 1 || options.frames.bins < 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--layers and --bins must be >= 1: ", options.frames.layers, ", ", options.frames.bins));
  }
  if (options.offline && options.spool_dir.empty()) {
    return absl::InvalidArgumentError("--offline needs --spool_dir");
  }
  return absl::OkStatus();
}

ClientCounts Counts(const FaultClientOptions& options, const std::string& phase, int64_t steps,
                    uint64_t produced, const client::SenderCounts& sender) {
  ClientCounts counts;
  counts.phase = phase;
  counts.run_id = options.run_id;
  counts.rank = options.frames.rank;
  counts.first_step = options.first_step;
  counts.steps = steps;
  counts.produced = produced;
  counts.acked = sender.frames_acked;
  counts.rejected = sender.frames_rejected;
  counts.dropped = sender.frames_dropped;
  counts.unacked = sender.frames_unacked;
  return counts;
}

void Print(std::FILE* out, const ClientCounts& counts) {
  std::fprintf(out, "%s\n", CountsJson(counts).c_str());
  std::fflush(out);
}

}  // namespace

absl::StatusOr<ClientCounts> RunFaultClient(const FaultClientOptions& options, std::FILE* out) {
  if (absl::Status s = Validate(options); !s.ok()) return s;
  client::RunOptions run_options;
  run_options.run_id = options.run_id;
  run_options.name = options.run_id;
  run_options.world_size = options.world_size;
  run_options.rank = options.frames.rank;
  run_options.resume_from_step = options.resume_from_step;
  absl::StatusOr<v1::RunSpec> run = client::MakeRunSpec(run_options, absl::Now());
  if (!run.ok()) return run.status();
  if (run->resumed() && !options.resume_id.empty()) run->set_resume_id(options.resume_id);

  std::unique_ptr<client::CollectorSession> session;
  if (!options.offline) {
    ConnectionOptions connection;
    connection.address = options.server;
    absl::StatusOr<std::unique_ptr<client::CollectorSession>> opened =
        client::CollectorSession::Open(connection);
    if (!opened.ok()) return opened.status();
    session = *std::move(opened);
  }
  std::shared_ptr<client::Spool> spool;
  if (!options.spool_dir.empty()) {
    absl::StatusOr<std::unique_ptr<client::Spool>> opened =
        client::Spool::Open(options.spool_dir, size_t{1} << 30);
    if (!opened.ok()) return opened.status();
    spool = *std::move(opened);
  }
  // Every failure is logged (no rate limit), so that a test can see each error class.
  client::RateLimitedLog log(absl::ZeroDuration());
  client::SenderOptions sender_options;
  sender_options.run = *run;
  sender_options.outbox_bound_bytes = options.outbox_bytes;
  sender_options.seed = options.frames.seed * 1000 + options.frames.rank;
  client::Sender sender(std::move(sender_options), std::move(session), spool, &log);
  spool.reset();  // The sender holds it now, and lets go of it in Stop.

  const FaultFrames frames(options.frames);
  uint64_t produced = 0;
  uint64_t sequence = 0;
  int64_t step = options.first_step;
  const int64_t end = options.first_step + options.steps;
  while (step < end && !StopSignalled(absl::ZeroDuration()) && !StopFileExists(options.stop_file)) {
    const int64_t to = std::min(end, step + options.steps_per_request);
    codec::FrameBatchBuilder builder;
    const uint32_t count = frames.AddSteps(step, to, &builder);
    v1::PushRequest request;
    request.set_run_id(options.run_id);
    request.set_sequence(++sequence);
    request.set_zstd_batch(codec::CompressBatch(builder.Take()));
    sender.Submit(std::move(request), count);
    produced += count;
    if (options.pace > absl::ZeroDuration()) StopSignalled(options.pace * (to - step));
    step = to;
  }
  const int64_t steps = step - options.first_step;
  Print(out, Counts(options, "produced", steps, produced, sender.counts()));

  if (sender.session() != nullptr) {
    const absl::Time deadline = absl::Now() + options.drain_timeout;
    while (!sender.Drain(std::min(deadline, absl::Now() + kDrainSlice)) && absl::Now() < deadline &&
           !StopSignalled(absl::ZeroDuration())) {
    }
  }
  if (options.hold) {
    Print(out, Counts(options, "done", steps, produced, sender.counts()));
    while (!StopSignalled(absl::Hours(1))) {
    }
  }
  sender.Stop();
  const ClientCounts done = Counts(options, "done", steps, produced, sender.counts());
  if (sender.session() != nullptr && done.unacked == 0) {
    // As the Reporter's Finish does; the counts do not depend on it.
    sender.session()->FinishRun(options.run_id, true, kFinishTimeout).IgnoreError();
  }
  if (!options.hold) Print(out, done);
  return done;
}

}  // namespace actiscope::faults
