// FaultServer: start, kill, stop and restart on one port; HTTP probes with cpp-httplib.
#include "tests/faults/fault_server.h"

#include <httplib.h>
#include <signal.h>

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace actiscope::faults {

FaultServer::FaultServer(std::string dir, std::string binary)
    : dir_(std::move(dir)), binary_(std::move(binary)), db_(dir_ + "/actiscope.db") {}

FaultServer::~FaultServer() {
  if (process_ != nullptr) process_->Stop(absl::Seconds(10));
}

absl::Status FaultServer::Start(const std::vector<std::string>& extra_args) {
  if (process_ != nullptr) return absl::FailedPreconditionError("the server is running");
  testing::ServerProcessOptions options;
  options.binary = binary_;
  options.db = db_;
  options.scratch_dir = dir_;
  if (grpc_port_ != 0) options.extra_args = {absl::StrCat("--grpc_addr=127.0.0.1:", grpc_port_)};
  options.extra_args.insert(options.extra_args.end(), extra_args.begin(), extra_args.end());
  absl::StatusOr<std::unique_ptr<testing::ServerProcess>> started =
      testing::ServerProcess::Start(options);
  if (!started.ok()) return started.status();
  process_ = *std::move(started);
  grpc_port_ = process_->grpc_port();
  http_port_ = process_->http_port();
  return absl::OkStatus();
}

absl::Status FaultServer::Kill() {
  if (process_ == nullptr) return absl::FailedPreconditionError("the server is not running");
  if (::kill(process_->pid(), SIGKILL) != 0) {
    return absl::InternalError(absl::StrCat("kill -9 ", process_->pid(), " failed"));
  }
  process_->Stop(absl::Seconds(10));  // Reaps it.
  last_log_ = process_->log();
  process_.reset();
  return absl::OkStatus();
}

int FaultServer::Terminate(absl::Duration grace, absl::Duration* took) {
  if (process_ == nullptr) return -1;
  const absl::Time start = absl::Now();
  const int status = process_->Stop(grace);
  if (took != nullptr) *took = absl::Now() - start;
  last_log_ = process_->log();
  process_.reset();
  return status;
}

std::string FaultServer::grpc_address() const { return absl::StrCat("127.0.0.1:", grpc_port_); }

std::string FaultServer::log() const { return process_ != nullptr ? process_->log() : last_log_; }

absl::StatusOr<HttpAnswer> FaultServer::HttpGet(const std::string& path) const {
  httplib::Client client("127.0.0.1", http_port_);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  httplib::Result result = client.Get(path.c_str());
  if (!result) {
    return absl::UnavailableError(absl::StrCat("GET ", path, " on port ", http_port_, ": ",
                                               httplib::to_string(result.error())));
  }
  return HttpAnswer{result->status, result->body};
}

absl::StatusOr<double> FaultServer::Metric(const std::string& sample) const {
  absl::StatusOr<HttpAnswer> metrics = HttpGet("/metrics");
  if (!metrics.ok()) return metrics.status();
  for (absl::string_view line : absl::StrSplit(metrics->body, '\n')) {
    if (!absl::ConsumePrefix(&line, sample) || !absl::ConsumePrefix(&line, " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(absl::StripAsciiWhitespace(line), &value)) return value;
  }
  return absl::NotFoundError(absl::StrCat("/metrics has no sample ", sample));
}

double FaultServer::FramesCommitted() const {
  double total = 0;
  for (const char* outcome : {"stored", "ignored", "conflicting"}) {
    absl::StatusOr<double> value =
        Metric(absl::StrCat("actiscope_frames_total{outcome=\"", outcome, "\"}"));
    if (value.ok()) total += *value;
  }
  return total;
}

}  // namespace actiscope::faults
