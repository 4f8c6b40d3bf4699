// ClientProcess: one actiscope-fault-client child of a fault test, its output in files, and
// deadline-bounded waits for the counts lines it prints (client_counts.h).
//
// Thread-safety: used by one thread.
//
// Example:
//   auto client = ClientProcess::Start(ACTISCOPE_FAULT_CLIENT_BIN, dir, "c0",
//                                      {"--server=" + address, "--run_id=r", "--steps=50"});
//   absl::StatusOr<ClientCounts> done = (*client)->WaitForExit(absl::Seconds(60));
#ifndef ACTISCOPE_TESTS_FAULTS_CLIENT_PROCESS_H_
#define ACTISCOPE_TESTS_FAULTS_CLIENT_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/faults/client_counts.h"
#include "tests/integration/subprocess.h"

namespace actiscope::faults {

class ClientProcess {
 public:
  // Starts `binary` with `args`; its stdout and stderr go to `dir`/`name`.out and .err.
  static absl::StatusOr<std::unique_ptr<ClientProcess>> Start(const std::string& binary,
                                                              const std::string& dir,
                                                              const std::string& name,
                                                              const std::vector<std::string>& args);

  // Waits until the client printed its `phase` line; DEADLINE_EXCEEDED (with its stderr) when
  // it does not in `timeout`, UNAVAILABLE when it exits without it.
  absl::StatusOr<ClientCounts> WaitForLine(const std::string& phase, absl::Duration timeout);
  // Waits for it to exit with status 0 and returns its "done" line; DEADLINE_EXCEEDED or
  // INTERNAL (with its stderr) otherwise.
  absl::StatusOr<ClientCounts> WaitForExit(absl::Duration timeout);
  // Sends `signal`.
  void Signal(int signal);
  // SIGKILL and reap.
  void Kill();

  const std::string& name() const { return name_; }
  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  ClientProcess(std::string name, std::string out, std::string err,
                std::unique_ptr<testing::Subprocess> process);

  const std::string name_;
  const std::string out_path_;
  const std::string err_path_;
  std::unique_ptr<testing::Subprocess> process_;
};

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_CLIENT_PROCESS_H_
