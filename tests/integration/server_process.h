// ServerProcess: a real actiscope-server child on loopback ports the OS picks, for the
// integration test and the ingest benchmark. It starts the binary with --grpc_addr and
// --http_addr at 127.0.0.1:0 and a --port_file, and waits (with a deadline) until the port file
// names the bound ports.
//
// Example:
//   ACTISCOPE_ASSIGN_OR_RETURN(auto server,
//       ServerProcess::Start({.binary = ACTISCOPE_SERVER_BIN, .db = dir + "/a.db",
//                             .scratch_dir = dir}));
//   RunLoad(... server->grpc_address() ...);
//
// Thread-safety: used by one thread.
#ifndef ACTISCOPE_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define ACTISCOPE_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/integration/subprocess.h"

namespace actiscope::testing {

struct ServerProcessOptions {
  std::string binary;       // Path of actiscope-server.
  std::string db;           // The database file.
  std::string scratch_dir;  // Holds the port file and the server's stdout/stderr logs.
  std::vector<std::string> extra_args;
  absl::Duration start_timeout = absl::Seconds(20);
};

class ServerProcess {
 public:
  // UNAVAILABLE (with the server's stderr) when it exits or does not write the port file in
  // time.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const ServerProcessOptions& options);

  // SIGTERM and wait for a clean exit (SIGKILL after `grace`); returns the exit status.
  int Stop(absl::Duration grace = absl::Seconds(10));

  pid_t pid() const { return process_->pid(); }
  int grpc_port() const { return grpc_port_; }
  int http_port() const { return http_port_; }
  std::string grpc_address() const;
  // What the server wrote to stderr so far.
  std::string log() const;

 private:
  ServerProcess() = default;

  std::unique_ptr<Subprocess> process_;
  std::string stderr_path_;
  int grpc_port_ = 0;
  int http_port_ = 0;
};

}  // namespace actiscope::testing

#endif  // ACTISCOPE_TESTS_INTEGRATION_SERVER_PROCESS_H_
