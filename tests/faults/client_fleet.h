// ClientFleet: K actiscope-fault-client processes of one fault case, client i reporting run
// "<prefix>-<i>" (rank 0, seed i + 1) with its own spool directory, and the oracle over all of
// them: every frame each client counted as acknowledged is stored exactly once, byte for byte
// (stored_frames.h), summed into the case's FaultTally.
//
// Thread-safety: used by one thread.
//
// Example:
//   ClientFleetOptions options;  // binary, dir, prefix "kill", 8 clients, server, args
//   ClientFleet fleet(options);
//   ASSERT_OK(fleet.Start());
//   absl::StatusOr<std::vector<ClientCounts>> done = fleet.WaitForExit(absl::Seconds(60));
//   absl::StatusOr<FaultTally> tally = fleet.Verify(server.grpc_address(), *done);
#ifndef ACTISCOPE_TESTS_FAULTS_CLIENT_FLEET_H_
#define ACTISCOPE_TESTS_FAULTS_CLIENT_FLEET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/faults/client_counts.h"
#include "tests/faults/client_process.h"
#include "tests/faults/stored_frames.h"

namespace actiscope::faults {

// Frames of every fault case: few layers and bins keep the 2-core machine's time on faults.
inline constexpr int kFaultLayers = 2;
inline constexpr uint32_t kFaultBins = 16;

struct ClientFleetOptions {
  std::string binary;  // actiscope-fault-client.
  std::string dir;     // Holds each client's output and spool-<i>/.
  std::string prefix;  // Run ids are <prefix>-<i>.
  int clients = 1;
  std::string server;             // --server.
  std::vector<std::string> args;  // Further flags, the same for every client.
};

class ClientFleet {
 public:
  explicit ClientFleet(ClientFleetOptions options) : options_(std::move(options)) {}

  [[nodiscard]] absl::Status Start();
  // The fault-client flags of client `i` (run id, seed, frames, spool), then options.args.
  std::vector<std::string> Args(int i) const;
  std::string spool_dir(int i) const;
  std::string run_id(int i) const;

  // Each client's `phase` line, waiting up to `timeout` in all.
  absl::StatusOr<std::vector<ClientCounts>> WaitForLines(const std::string& phase,
                                                         absl::Duration timeout);
  // Each client's "done" line once it exited with status 0, waiting up to `timeout` in all.
  absl::StatusOr<std::vector<ClientCounts>> WaitForExit(absl::Duration timeout);
  void Signal(int signal);

  // The frames client `i` produced, per its counts line: steps [first_step, first_step +
  // steps), or with `acked_prefix` only the steps of its first `acked` frames (a client
  // delivers in order).
  ExpectedFrames Produced(int i, const ClientCounts& counts, bool acked_prefix = false) const;

  // Checks every client's frames on the server (see the file comment). The tally's acked is
  // the clients' acked sum, lost what is missing beyond the frames they did not count as
  // acknowledged, conflicts the runs' conflicting_frames. `checks` (when not null)
  // gets each client's StoredCheck.
  absl::StatusOr<FaultTally> Verify(const std::string& grpc_address,
                                    const std::vector<ClientCounts>& counts,
                                    std::vector<StoredCheck>* checks = nullptr,
                                    bool acked_prefix = false) const;

  ClientProcess& client(int i) { return *processes_[i]; }

 private:
  const ClientFleetOptions options_;
  std::vector<std::unique_ptr<ClientProcess>> processes_;
};

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_CLIENT_FLEET_H_
