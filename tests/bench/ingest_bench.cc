// Ingest benchmark (issue 2's "Ingest" figure): a real actiscope-server on a fresh temporary
// database, 16 concurrent loadgen streams of 40-bin histograms, every batch acknowledged only
// once durable. Prints histograms committed per second end to end, ack latency p50/p99 and
// database bytes per stored histogram, each beside its goal.
//
// It runs once per --noise level (a fresh server and database each), side by side: the default
// 0.02 is about the batch-to-batch noise of real activations, 0.002 is nearly smooth drift, to
// show how much the storage figure depends on the data.
//
// Batches are built and compressed before the clock starts (LoadOptions::prebuild), so the
// figure is the server's: network, decode, validation, storage and commit.
//
//   build/tests/bench/ingest_bench [--clients=16] [--layers=16] [--steps=4096] [--bins=40]
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "common/testing/temp_dir.h"
#include "tests/integration/server_process.h"
#include "tests/loadgen/load_driver.h"

ABSL_FLAG(std::string, server_bin, ACTISCOPE_SERVER_BIN, "The actiscope-server binary");
ABSL_FLAG(int, clients, 16, "Concurrent streams, each its own run");
ABSL_FLAG(int, layers, 16, "Layers per run");
ABSL_FLAG(int64_t, steps, 4096, "Steps per run");
ABSL_FLAG(uint32_t, bins, 40, "Bins per histogram");
ABSL_FLAG(int, steps_per_push, 64, "Steps per Push batch");
ABSL_FLAG(int, max_in_flight, 2, "Unacknowledged batches per stream");
ABSL_FLAG(std::string, noise, "0.02,0.002", "Comma-separated data noise levels, one run each");
ABSL_FLAG(bool, json, false, "Also print each loadgen report as JSON");

namespace {

constexpr double kGoalHistogramsPerS = 500000;
constexpr double kGoalBytesPerHistogram = 48;

uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// CPU seconds (user + system) the process `pid` has used so far; 0 when unreadable.
double CpuSeconds(pid_t pid) {
  const std::string stat =
      actiscope::testing::ReadFileOrEmpty(absl::StrCat("/proc/", pid, "/stat"));
  const size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) return 0;
  // After "pid (comm)": field 3 is state; utime and stime are fields 14 and 15.
  unsigned long long utime = 0, stime = 0;
  if (std::sscanf(stat.c_str() + end_of_name + 1,
                  " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2) {
    return 0;
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct Result {
  double noise = 0;
  actiscope::loadgen::LoadReport report;
  double server_cpu_s = 0;
  uint64_t db_bytes = 0;
  double bytes_per_histogram() const {
    return report.histograms ? static_cast<double>(db_bytes) / report.histograms : 0.0;
  }
};

// One measurement: a fresh server and database, the load, then a clean shutdown.
absl::StatusOr<Result> Measure(double noise) {
  // Removed with the database and logs however this returns (errors carry the server's log).
  const actiscope::testing::TempDir temp_dir("ingest_bench");
  const std::string& dir = temp_dir.path();
  const std::string db = dir + "/ingest.db";
  actiscope::testing::ServerProcessOptions server_options;
  server_options.binary = absl::GetFlag(FLAGS_server_bin);
  server_options.db = db;
  server_options.scratch_dir = dir;
  auto server = actiscope::testing::ServerProcess::Start(server_options);
  if (!server.ok()) return server.status();

  actiscope::loadgen::LoadOptions options;
  options.connection.address = (*server)->grpc_address();
  options.clients = absl::GetFlag(FLAGS_clients);
  options.run.layers = absl::GetFlag(FLAGS_layers);
  options.run.steps = absl::GetFlag(FLAGS_steps);
  options.run.bins = absl::GetFlag(FLAGS_bins);
  options.run.noise = noise;
  options.steps_per_push = absl::GetFlag(FLAGS_steps_per_push);
  options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  options.run_prefix = "ingest";
  options.prebuild = true;

  Result result;
  result.noise = noise;
  const double cpu_before = CpuSeconds((*server)->pid());
  auto report = actiscope::loadgen::RunLoad(options);
  result.server_cpu_s = CpuSeconds((*server)->pid()) - cpu_before;
  const int server_exit = (*server)->Stop(absl::Seconds(30));
  if (!report.ok()) {
    return absl::Status(report.status().code(), absl::StrCat(report.status().message(),
                                                             "\nserver log:\n", (*server)->log()));
  }
  if (server_exit != 0) {
    return absl::InternalError(
        absl::StrCat("actiscope-server exited with status ", server_exit, ":\n", (*server)->log()));
  }
  result.report = *std::move(report);
  result.db_bytes = FileSize(db) + FileSize(db + "-wal") + FileSize(db + "-shm");
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::vector<double> noises;
  for (absl::string_view level : absl::StrSplit(absl::GetFlag(FLAGS_noise), ',')) {
    double noise = 0;
    if (!absl::SimpleAtod(level, &noise) || noise < 0) {
      std::fprintf(stderr, "ingest_bench: bad --noise level \"%s\"\n", std::string(level).c_str());
      return 2;
    }
    noises.push_back(noise);
  }
  std::printf(
      "ingest_bench: %d streams x %d layers x %d steps, %d bins, %d steps per push, %d in "
      "flight, durable acks, fresh database per run; %ld cores here (shared: the load average "
      "counts other work too)\n",
      absl::GetFlag(FLAGS_clients), absl::GetFlag(FLAGS_layers),
      static_cast<int>(absl::GetFlag(FLAGS_steps)), absl::GetFlag(FLAGS_bins),
      absl::GetFlag(FLAGS_steps_per_push), absl::GetFlag(FLAGS_max_in_flight),
      sysconf(_SC_NPROCESSORS_ONLN));

  std::vector<Result> results;
  for (double noise : noises) {
    absl::StatusOr<Result> result = Measure(noise);
    if (!result.ok()) {
      std::fprintf(stderr, "ingest_bench: noise %g: %s\n", noise,
                   result.status().ToString().c_str());
      return 1;
    }
    std::printf("\n-- noise %g\n%s", noise, actiscope::loadgen::ReportText(result->report).c_str());
    if (absl::GetFlag(FLAGS_json)) {
      std::printf("%s\n", actiscope::loadgen::ReportJson(result->report).c_str());
    }
    results.push_back(*std::move(result));
  }

  std::printf("\n%-7s %14s %9s %9s %9s %11s %9s %9s\n", "noise", "histograms/s", "vs 500k",
              "p50 ms", "p99 ms", "DB B/hist", "vs 48 B", "srv us/h");
  for (const Result& r : results) {
    const double rate = r.report.histograms_per_s();
    std::printf("%-7g %14.0f %8.2fx %9.2f %9.2f %11.1f %8.2fx %9.2f\n", r.noise, rate,
                rate / kGoalHistogramsPerS, absl::ToDoubleMilliseconds(r.report.ack_p50),
                absl::ToDoubleMilliseconds(r.report.ack_p99), r.bytes_per_histogram(),
                r.bytes_per_histogram() / kGoalBytesPerHistogram,
                r.report.histograms ? 1e6 * r.server_cpu_s / r.report.histograms : 0.0);
  }
  std::printf(
      "(vs 500k: committed rate / goal, higher is better; vs 48 B: bytes / goal, lower is "
      "better; srv us/h: server CPU microseconds per histogram)\n");
  return 0;
}
