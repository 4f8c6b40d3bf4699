#include "tests/integration/server_process.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace actiscope::testing {

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const ServerProcessOptions& options) {
  const std::string port_file = absl::StrCat(options.scratch_dir, "/server.ports");
  std::remove(port_file.c_str());
  std::vector<std::string> argv = {options.binary, "--grpc_addr=127.0.0.1:0",
                                   "--http_addr=127.0.0.1:0", absl::StrCat("--db=", options.db),
                                   absl::StrCat("--port_file=", port_file)};
  argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  server->stderr_path_ = absl::StrCat(options.scratch_dir, "/server.err");
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      argv, absl::StrCat(options.scratch_dir, "/server.out"), server->stderr_path_);
  if (!process.ok()) return process.status();
  server->process_ = *std::move(process);

  // The server renames the port file into place once both ports are bound, so a file that
  // exists is complete.
  const absl::Time deadline = absl::Now() + options.start_timeout;
  absl::Duration backoff = absl::Microseconds(200);
  while (true) {
    if (access(port_file.c_str(), R_OK) == 0) {
      const std::vector<std::string> ports =
          absl::StrSplit(absl::StripAsciiWhitespace(ReadFileOrEmpty(port_file)), ' ');
      if (ports.size() == 2 && absl::SimpleAtoi(ports[0], &server->grpc_port_) &&
          absl::SimpleAtoi(ports[1], &server->http_port_)) {
        return server;
      }
    }
    if (std::optional<int> exit = server->process_->Poll(); exit.has_value()) {
      return absl::UnavailableError(absl::StrCat("actiscope-server exited with status ", *exit,
                                                 " before listening: ", server->log()));
    }
    if (absl::Now() >= deadline) {
      return absl::UnavailableError(absl::StrCat("actiscope-server wrote no port file within ",
                                                 absl::FormatDuration(options.start_timeout), ": ",
                                                 server->log()));
    }
    absl::SleepFor(std::min(backoff, deadline - absl::Now()));
    backoff = std::min(backoff * 2, absl::Milliseconds(20));
  }
}

int ServerProcess::Stop(absl::Duration grace) { return process_->Stop(grace); }

std::string ServerProcess::grpc_address() const { return absl::StrCat("127.0.0.1:", grpc_port_); }

std::string ServerProcess::log() const { return ReadFileOrEmpty(stderr_path_); }

}  // namespace actiscope::testing
