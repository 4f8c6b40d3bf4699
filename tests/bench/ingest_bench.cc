// Ingest benchmark (issue 2's "Ingest" figure): a real actiscope-server on a fresh temporary
// database, 16 concurrent loadgen streams of 40-bin histograms, every batch acknowledged only
// once durable. Prints histograms committed per second end to end, ack latency p50/p99 and
// database bytes per stored histogram, each beside its goal.
//
// Batches are built and compressed before the clock starts (LoadOptions::prebuild), so the
// figure is the server's: network, decode, validation, storage and commit.
//
//   build/tests/bench/ingest_bench [--clients=16] [--layers=16] [--steps=4096] [--bins=40]
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tests/integration/server_process.h"
#include "tests/loadgen/load_driver.h"

ABSL_FLAG(std::string, server_bin, ACTISCOPE_SERVER_BIN, "The actiscope-server binary");
ABSL_FLAG(int, clients, 16, "Concurrent streams, each its own run");
ABSL_FLAG(int, layers, 16, "Layers per run");
ABSL_FLAG(int64_t, steps, 4096, "Steps per run");
ABSL_FLAG(uint32_t, bins, 40, "Bins per histogram");
ABSL_FLAG(int, steps_per_push, 64, "Steps per Push batch");
ABSL_FLAG(int, max_in_flight, 2, "Unacknowledged batches per stream");
ABSL_FLAG(bool, json, false, "Also print the loadgen report as JSON");

namespace {

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

int Fail(const std::string& message) {
  std::fprintf(stderr, "ingest_bench: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  char pattern[] = "/tmp/actiscope-ingest-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  const std::string db = dir + "/ingest.db";

  actiscope::testing::ServerProcessOptions server_options;
  server_options.binary = absl::GetFlag(FLAGS_server_bin);
  server_options.db = db;
  server_options.scratch_dir = dir;
  auto server = actiscope::testing::ServerProcess::Start(server_options);
  if (!server.ok()) return Fail(server.status().ToString());

  actiscope::loadgen::LoadOptions options;
  options.server = (*server)->grpc_address();
  options.clients = absl::GetFlag(FLAGS_clients);
  options.run.layers = absl::GetFlag(FLAGS_layers);
  options.run.steps = absl::GetFlag(FLAGS_steps);
  options.run.bins = absl::GetFlag(FLAGS_bins);
  options.steps_per_push = absl::GetFlag(FLAGS_steps_per_push);
  options.max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  options.run_prefix = "ingest";
  options.prebuild = true;
  std::printf(
      "ingest_bench: %d streams x %d layers x %d steps, %d bins, %d steps per push, "
      "database %s\n",
      options.clients, options.run.layers, static_cast<int>(options.run.steps), options.run.bins,
      options.steps_per_push, db.c_str());
  const double server_cpu_before = CpuSeconds((*server)->pid());
  auto report = actiscope::loadgen::RunLoad(options);
  const double server_cpu = CpuSeconds((*server)->pid()) - server_cpu_before;
  const int server_exit = (*server)->Stop(absl::Seconds(30));
  if (!report.ok()) return Fail(report.status().ToString() + "\nserver log:\n" + (*server)->log());

  const uint64_t db_bytes = FileSize(db) + FileSize(db + "-wal") + FileSize(db + "-shm");
  const double rate = report->histograms_per_s();
  const double bytes_per_histogram =
      report->histograms ? static_cast<double>(db_bytes) / report->histograms : 0.0;
  std::printf("%s", actiscope::loadgen::ReportText(*report).c_str());
  std::printf("committed:        %.0f histograms/s end to end  (goal >= 500000/s: %.2fx)\n", rate,
              rate / 500000.0);
  std::printf(
      "database:         %llu bytes after shutdown = %.1f B/histogram  "
      "(goal <= 48 B: %.2fx of budget)\n",
      static_cast<unsigned long long>(db_bytes), bytes_per_histogram, bytes_per_histogram / 48.0);
  std::printf(
      "server CPU:         %.2f s during the load = %.2f us/histogram "
      "(%.0f histograms per server CPU-second; machine has %ld cores, load average "
      "counts other work too)\n",
      server_cpu, report->histograms ? 1e6 * server_cpu / report->histograms : 0.0,
      server_cpu > 0 ? report->histograms / server_cpu : 0.0, sysconf(_SC_NPROCESSORS_ONLN));
  std::printf("server exit status: %d\n", server_exit);
  if (absl::GetFlag(FLAGS_json)) {
    std::printf("%s\n", actiscope::loadgen::ReportJson(*report).c_str());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
