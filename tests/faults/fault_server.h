// FaultServer: one actiscope-server that a fault test kills, stops and restarts on the same
// database file and gRPC port (clients keep reconnecting to that address), and its HTTP probes
// (/healthz, /metrics). Wraps ServerProcess (tests/integration/server_process.h): each start
// waits, with a deadline, for the port file.
//
// Thread-safety: used by one thread.
//
// Example:
//   FaultServer server(dir, ACTISCOPE_SERVER_BIN);
//   ASSERT_OK(server.Start());
//   ... clients report to server.grpc_address() ...
//   ASSERT_OK(server.Kill());
//   ASSERT_OK(server.Start());   // same db, same gRPC port
#ifndef ACTISCOPE_TESTS_FAULTS_FAULT_SERVER_H_
#define ACTISCOPE_TESTS_FAULTS_FAULT_SERVER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/integration/server_process.h"

namespace actiscope::faults {

// An HTTP answer.
struct HttpAnswer {
  int status = 0;
  std::string body;
};

class FaultServer {
 public:
  // The database is `dir`/actiscope.db; logs and the port file go to `dir` too.
  FaultServer(std::string dir, std::string binary);
  ~FaultServer();  // Stops a running server (SIGTERM, then SIGKILL).

  // Starts the server with `extra_args`; the first start binds an OS-chosen gRPC port, later
  // ones the same port. UNAVAILABLE with the server's stderr when it does not come up.
  [[nodiscard]] absl::Status Start(const std::vector<std::string>& extra_args = {});
  // SIGKILL, then reaps it.
  [[nodiscard]] absl::Status Kill();
  // SIGTERM and waits up to `grace` for it to exit (then SIGKILL). Returns the exit status
  // (128 + signal when killed); *took (when not null) is how long it took to exit.
  int Terminate(absl::Duration grace, absl::Duration* took = nullptr);

  bool running() const { return process_ != nullptr; }
  const std::string& db() const { return db_; }
  std::string grpc_address() const;
  int http_port() const { return http_port_; }
  // The running (or last) server's stderr.
  std::string log() const;

  // GET `path` from the running server's HTTP port (5 s timeout). UNAVAILABLE when no answer.
  absl::StatusOr<HttpAnswer> HttpGet(const std::string& path) const;
  // The value of the /metrics sample whose name and labels are exactly `sample`, e.g.
  // `actiscope_frames_total{outcome="stored"}`. NOT_FOUND when /metrics has no such line.
  absl::StatusOr<double> Metric(const std::string& sample) const;
  // Frames this instance committed since it started (actiscope_frames_total, every outcome);
  // 0 when /metrics does not answer.
  double FramesCommitted() const;

 private:
  const std::string dir_;
  const std::string binary_;
  const std::string db_;
  int grpc_port_ = 0;
  int http_port_ = 0;
  std::string last_log_;
  std::unique_ptr<testing::ServerProcess> process_;
};

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_FAULT_SERVER_H_
