// ClientFleet: start K fault clients, collect their counts lines, check their frames.
#include "tests/faults/client_fleet.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace actiscope::faults {

std::string ClientFleet::spool_dir(int i) const { return absl::StrCat(options_.dir, "/spool-", i); }

std::string ClientFleet::run_id(int i) const { return absl::StrCat(options_.prefix, "-", i); }

std::vector<std::string> ClientFleet::Args(int i) const {
  std::vector<std::string> args = {absl::StrCat("--server=", options_.server),
                                   absl::StrCat("--run_id=", run_id(i)),
                                   absl::StrCat("--seed=", i + 1),
                                   absl::StrCat("--layers=", kFaultLayers),
                                   absl::StrCat("--bins=", kFaultBins),
                                   absl::StrCat("--spool_dir=", spool_dir(i))};
  args.insert(args.end(), options_.args.begin(), options_.args.end());
  return args;
}

absl::Status ClientFleet::Start() {
  for (int i = 0; i < options_.clients; ++i) {
    absl::StatusOr<std::unique_ptr<ClientProcess>> process = ClientProcess::Start(
        options_.binary, options_.dir, absl::StrCat(options_.prefix, "-client-", i), Args(i));
    if (!process.ok()) return process.status();
    processes_.push_back(*std::move(process));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ClientCounts>> ClientFleet::WaitForLines(const std::string& phase,
                                                                    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<ClientCounts> all;
  for (auto& process : processes_) {
    absl::StatusOr<ClientCounts> counts = process->WaitForLine(phase, deadline - absl::Now());
    if (!counts.ok()) return counts.status();
    all.push_back(*std::move(counts));
  }
  return all;
}

absl::StatusOr<std::vector<ClientCounts>> ClientFleet::WaitForExit(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  std::vector<ClientCounts> all;
  for (auto& process : processes_) {
    absl::StatusOr<ClientCounts> counts = process->WaitForExit(deadline - absl::Now());
    if (!counts.ok()) return counts.status();
    all.push_back(*std::move(counts));
  }
  return all;
}

void ClientFleet::Signal(int signal) {
  for (auto& process : processes_) process->Signal(signal);
}

ExpectedFrames ClientFleet::Produced(int i, const ClientCounts& counts, bool acked_prefix) const {
  ExpectedFrames expected;
  expected.run_id = run_id(i);
  expected.frames.seed = static_cast<uint64_t>(i + 1);
  expected.frames.layers = kFaultLayers;
  expected.frames.bins = kFaultBins;
  expected.frames.rank = counts.rank;
  expected.first_step = counts.first_step;
  expected.steps = acked_prefix ? static_cast<int64_t>(counts.acked / kFaultLayers) : counts.steps;
  return expected;
}

absl::StatusOr<FaultTally> ClientFleet::Verify(const std::string& grpc_address,
                                               const std::vector<ClientCounts>& counts,
                                               std::vector<StoredCheck>* checks,
                                               bool acked_prefix) const {
  FaultTally tally;
  for (int i = 0; i < static_cast<int>(counts.size()); ++i) {
    absl::StatusOr<StoredCheck> check =
        CheckStored(grpc_address, Produced(i, counts[i], acked_prefix));
    if (!check.ok()) return check.status();
    absl::StatusOr<v1::RunSummary> summary = GetRunSummary(grpc_address, run_id(i));
    if (!summary.ok()) return summary.status();
    ++tally.runs;
    tally.acked += counts[i].acked;
    tally.conflicts += summary->conflicting_frames();
    tally.Add(*check, acked_prefix ? 0 : counts[i].produced - counts[i].acked);
    if (checks != nullptr) checks->push_back(*check);
  }
  return tally;
}

}  // namespace actiscope::faults
