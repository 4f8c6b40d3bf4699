// ClientProcess: a fault client child; its counts lines are read from its stdout file.
#include "tests/faults/client_process.h"

#include <signal.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace actiscope::faults {
namespace {

constexpr absl::Duration kPoll = absl::Milliseconds(20);

}  // namespace

ClientProcess::ClientProcess(std::string name, std::string out, std::string err,
                             std::unique_ptr<testing::Subprocess> process)
    : name_(std::move(name)),
      out_path_(std::move(out)),
      err_path_(std::move(err)),
      process_(std::move(process)) {}

absl::StatusOr<std::unique_ptr<ClientProcess>> ClientProcess::Start(
    const std::string& binary, const std::string& dir, const std::string& name,
    const std::vector<std::string>& args) {
  std::vector<std::string> argv = {binary};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string out = absl::StrCat(dir, "/", name, ".out");
  const std::string err = absl::StrCat(dir, "/", name, ".err");
  absl::StatusOr<std::unique_ptr<testing::Subprocess>> process =
      testing::Subprocess::Start(argv, out, err);
  if (!process.ok()) return process.status();
  return std::unique_ptr<ClientProcess>(new ClientProcess(name, out, err, *std::move(process)));
}

absl::StatusOr<ClientCounts> ClientProcess::WaitForLine(const std::string& phase,
                                                        absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    // Read the exit first: a line printed before exiting is then surely in the file.
    const bool exited = process_->Poll().has_value();
    absl::StatusOr<ClientCounts> counts = ParseCountsLine(stdout_text(), phase);
    if (counts.ok() || !absl::IsNotFound(counts.status())) return counts;
    if (exited) {
      return absl::UnavailableError(absl::StrCat(name_, " exited with status ", *process_->Poll(),
                                                 " before its \"", phase,
                                                 "\" line; stderr: ", stderr_text()));
    }
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat(name_, " printed no \"", phase, "\" line within ",
                       absl::FormatDuration(timeout), "; stderr: ", stderr_text()));
    }
    absl::SleepFor(std::min(kPoll, deadline - absl::Now()));
  }
}

absl::StatusOr<ClientCounts> ClientProcess::WaitForExit(absl::Duration timeout) {
  absl::StatusOr<int> status = process_->Wait(timeout);
  if (!status.ok()) {
    return absl::DeadlineExceededError(
        absl::StrCat(name_, ": ", status.status().message(), "; stderr: ", stderr_text()));
  }
  if (*status != 0) {
    return absl::InternalError(
        absl::StrCat(name_, " exited with status ", *status, "; stderr: ", stderr_text()));
  }
  return ParseCountsLine(stdout_text(), "done");
}

void ClientProcess::Signal(int signal) {
  if (!process_->Poll().has_value()) ::kill(process_->pid(), signal);
}

void ClientProcess::Kill() {
  Signal(SIGKILL);
  process_->Stop(absl::Seconds(10));  // Reaps it.
}

std::string ClientProcess::stdout_text() const { return testing::ReadFileOrEmpty(out_path_); }

std::string ClientProcess::stderr_text() const { return testing::ReadFileOrEmpty(err_path_); }

}  // namespace actiscope::faults
