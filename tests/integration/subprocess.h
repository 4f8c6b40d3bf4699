// Child processes for cross-component tests and benchmarks: start a binary with its output
// sent to files, wait for it with a deadline, stop it; or run one to completion and capture
// its output. POSIX only (fork/exec/waitpid).
//
// Thread-safety: a Subprocess is used by one thread; the free functions are reentrant.
#ifndef ACTISCOPE_TESTS_INTEGRATION_SUBPROCESS_H_
#define ACTISCOPE_TESTS_INTEGRATION_SUBPROCESS_H_

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace actiscope::testing {

// A running child process; the destructor kills and reaps it if it still runs.
class Subprocess {
 public:
  // Starts argv[0] (a path) with argv, stdout to `stdout_path` and stderr to `stderr_path`
  // (truncated). INTERNAL when fork fails; a failing exec shows as exit status 127.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(const std::vector<std::string>& argv,
                                                           const std::string& stdout_path,
                                                           const std::string& stderr_path);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  // The exit status (or 128 + signal) if the child has ended, without waiting.
  std::optional<int> Poll();
  // Waits up to `timeout` for the child to end; DEADLINE_EXCEEDED if it does not.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGTERM, then SIGKILL when it has not ended after `grace`. Returns the exit status.
  int Stop(absl::Duration grace);

  pid_t pid() const { return pid_; }

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}

  pid_t pid_;
  std::optional<int> exit_status_;
};

struct CommandOutput {
  int exit_status = -1;  // 128 + signal when killed.
  std::string out;
  std::string err;
};

// Runs argv to completion (killed after `timeout`) in `scratch_dir`'s files and returns its
// exit status and output. DEADLINE_EXCEEDED when it had to be killed.
absl::StatusOr<CommandOutput> RunCommand(const std::vector<std::string>& argv,
                                         const std::string& scratch_dir, absl::Duration timeout);

// The whole file at `path`, or "" when it cannot be read.
std::string ReadFileOrEmpty(const std::string& path);

}  // namespace actiscope::testing

#endif  // ACTISCOPE_TESTS_INTEGRATION_SUBPROCESS_H_
