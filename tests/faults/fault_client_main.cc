// actiscope-fault-client: one torch-free client process for the fault tests. Reports one rank
// of a run with frames from FaultFrames through the real client core (Sender, Spool,
// CollectorSession), drains, and prints its counts as one JSON line (client_counts.h).
// SIGTERM stops production and draining early. See fault_client.h.
//
//   actiscope-fault-client --server=127.0.0.1:PORT --run_id=R --steps=200 --spool_dir=DIR
#include <signal.h>

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "tests/faults/fault_client.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "the collector's gRPC address");
ABSL_FLAG(std::string, run_id, "fault", "the run reported into");
ABSL_FLAG(int, layers, 2, "layers per step");
ABSL_FLAG(uint32_t, bins, 16, "bins per histogram");
ABSL_FLAG(int64_t, first_step, 0, "the first step produced");
ABSL_FLAG(int64_t, steps, 100, "steps produced from --first_step on");
ABSL_FLAG(int, steps_per_request, 4, "steps per Push request");
ABSL_FLAG(std::string, spool_dir, "", "the client spool's directory; empty: no spool");
ABSL_FLAG(uint64_t, seed, 1, "seed of the synthetic frames");
ABSL_FLAG(uint32_t, rank, 0, "this process's rank");
ABSL_FLAG(uint32_t, world_size, 1, "ranks in the run");
ABSL_FLAG(int64_t, resume_from_step, -1, "resume the rank from this step (-1: no resume)");
ABSL_FLAG(std::string, resume_id, "", "the resume's id; empty: a random one");
ABSL_FLAG(bool, offline, false, "never connect; spool everything");
ABSL_FLAG(uint64_t, outbox_bytes, 32 << 20, "in-memory bound of unacknowledged requests");
ABSL_FLAG(int, pace_ms, 0, "milliseconds to wait after each step produced");
ABSL_FLAG(std::string, stop_file, "", "stop producing once this file exists");
ABSL_FLAG(absl::Duration, drain_timeout, absl::Seconds(60), "how long to wait for acks");
ABSL_FLAG(bool, hold, false,
          "after draining, print the counts and wait for SIGTERM before stopping the sender");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "actiscope-fault-client --server=HOST:PORT --run_id=R --steps=N [--spool_dir=DIR]: "
      "reports synthetic frames with the client core and prints its frame counts as JSON");
  absl::ParseCommandLine(argc, argv);
  // Before any thread starts, so that only RunFaultClient's sigtimedwait sees SIGTERM.
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, nullptr);

  actiscope::faults::FaultClientOptions options;
  options.server = absl::GetFlag(FLAGS_server);
  options.run_id = absl::GetFlag(FLAGS_run_id);
  options.frames.seed = absl::GetFlag(FLAGS_seed);
  options.frames.layers = absl::GetFlag(FLAGS_layers);
  options.frames.bins = absl::GetFlag(FLAGS_bins);
  options.frames.rank = absl::GetFlag(FLAGS_rank);
  options.world_size = absl::GetFlag(FLAGS_world_size);
  options.first_step = absl::GetFlag(FLAGS_first_step);
  options.steps = absl::GetFlag(FLAGS_steps);
  options.steps_per_request = absl::GetFlag(FLAGS_steps_per_request);
  options.spool_dir = absl::GetFlag(FLAGS_spool_dir);
  options.offline = absl::GetFlag(FLAGS_offline);
  if (absl::GetFlag(FLAGS_resume_from_step) >= 0) {
    options.resume_from_step = absl::GetFlag(FLAGS_resume_from_step);
  }
  options.resume_id = absl::GetFlag(FLAGS_resume_id);
  options.outbox_bytes = absl::GetFlag(FLAGS_outbox_bytes);
  options.pace = absl::Milliseconds(absl::GetFlag(FLAGS_pace_ms));
  options.stop_file = absl::GetFlag(FLAGS_stop_file);
  options.drain_timeout = absl::GetFlag(FLAGS_drain_timeout);
  options.hold = absl::GetFlag(FLAGS_hold);
  absl::StatusOr<actiscope::faults::ClientCounts> counts =
      actiscope::faults::RunFaultClient(options, stdout);
  if (!counts.ok()) {
    std::fprintf(stderr, "actiscope-fault-client: %s\n", counts.status().ToString().c_str());
    return 1;
  }
  return 0;
}
