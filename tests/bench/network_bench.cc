// Network benchmark (issue 9's figures), each part side by side in one run against real
// actiscope-server processes with tokens:
//   1. A trainer-like Push stream (actiscope-loadgen's driver at a steady step rate) and a
//      /healthz poller, first alone, then while hostile peers hold 300 idle Push streams (one
//      ingest token) and 100 half-sent HTTP requests (from 127.0.0.2): push ack p50/p99 and
//      /healthz latency p50/p99/max. Goals: ack p99 <= 1 s, /healthz <= 1 s.
//   2. Server RSS idle, at its peak and after --hostile_requests max-size hostile zstd batches
//      (each expanding to new 1024-bin series). Goal: peak under 512 MiB, back near idle after.
//   3. Ingest rate over TLS with tokens against plaintext without, alternating pairs of fresh
//      servers. Goal: TLS + tokens at most 10 % slower.
//
//   build/tests/bench/network_bench [--hostile_requests=1000] [--pairs=3]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "common/testing/test_certificates.h"
#include "tests/integration/hostile_peers.h"
#include "tests/integration/server_process.h"
#include "tests/loadgen/load_driver.h"

ABSL_FLAG(std::string, server_bin, ACTISCOPE_SERVER_BIN, "The actiscope-server binary");
ABSL_FLAG(int, idle_streams, 300, "Part 1: idle Push streams held by the hostile token");
ABSL_FLAG(int, slow_http, 100, "Part 1: half-sent HTTP requests from 127.0.0.2");
ABSL_FLAG(int64_t, trainer_steps, 1500, "Part 1: steps the trainer-like stream sends");
ABSL_FLAG(double, trainer_rate, 150, "Part 1: its steps per second");
ABSL_FLAG(int, hostile_requests, 1000, "Part 2: hostile max-size requests");
ABSL_FLAG(int, pairs, 3, "Part 3: alternating (plaintext, TLS + tokens) pairs");

namespace {

using actiscope::testing::ServerProcess;

constexpr char kTrainerToken[] = "trainer-token-0123456789abcdef";
constexpr char kAttackerToken[] = "attacker-token-0123456789abcdef";
constexpr char kViewerToken[] = "viewer-token-0123456789abcdef";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

// A /proc/PID/status field in KiB (VmRSS, VmHWM); 0 when unreadable.
double StatusKib(pid_t pid, const std::string& field) {
  const std::string status =
      actiscope::testing::ReadFileOrEmpty(absl::StrCat("/proc/", pid, "/status"));
  for (absl::string_view line : absl::StrSplit(status, '\n')) {
    if (!absl::ConsumePrefix(&line, field + ":")) continue;
    double kib = 0;
    const std::vector<absl::string_view> parts = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    if (!parts.empty() && absl::SimpleAtod(parts[0], &kib)) return kib;
  }
  return 0;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<size_t>(p * (values.size() - 1) + 0.5))];
}

struct Scratch {
  actiscope::testing::TempDir temp{"network_bench"};
  std::string dir = temp.path();
  actiscope::testing::TestCertificates certs;
};

absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer(const Scratch& s, const std::string& db,
                                                           std::vector<std::string> args) {
  actiscope::testing::ServerProcessOptions options;
  options.binary = absl::GetFlag(FLAGS_server_bin);
  options.db = s.dir + "/" + db;
  options.scratch_dir = s.dir;
  options.extra_args = std::move(args);
  options.extra_args.push_back(absl::StrCat("--auth_tokens=", s.dir, "/tokens"));
  return ServerProcess::Start(options);
}

struct Part1Result {
  actiscope::loadgen::LoadReport push;
  std::vector<double> healthz_ms;
  int healthz_failures = 0;
  int idle_held = 0;
  int slow_connected = 0;
};

absl::StatusOr<Part1Result> MeasureUnderAttack(const Scratch& s, bool attack) {
  auto server = StartServer(s, attack ? "attack.db" : "calm.db", {});
  if (!server.ok()) return server.status();
  Part1Result result;
  grpc::ChannelArguments args;
  auto channel = grpc::CreateCustomChannel((*server)->grpc_address(),
                                           grpc::InsecureChannelCredentials(), args);
  actiscope::testing::IdlePushStreams idle;
  actiscope::testing::HalfSentHttpRequests slow;
  if (attack) {
    absl::StatusOr<int> held =
        idle.Open(channel, kAttackerToken, absl::GetFlag(FLAGS_idle_streams));
    if (!held.ok()) return held.status();
    result.idle_held = *held;
    absl::StatusOr<int> connected =
        slow.Open((*server)->http_port(), "127.0.0.2", absl::GetFlag(FLAGS_slow_http));
    if (!connected.ok()) return connected.status();
    result.slow_connected = *connected;
  }
  std::atomic<bool> running{true};
  std::thread poller([&] {
    while (running.load()) {
      const absl::Time start = absl::Now();
      absl::StatusOr<int> status =
          actiscope::testing::HttpGetStatus((*server)->http_port(), "127.0.0.1", "/healthz", "");
      result.healthz_ms.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      if (!status.ok() || *status != 200) ++result.healthz_failures;
      absl::SleepFor(absl::Milliseconds(50));
    }
  });
  actiscope::loadgen::LoadOptions options;
  options.connection.address = (*server)->grpc_address();
  options.connection.token = kTrainerToken;
  options.run.layers = 5;
  options.run.steps = absl::GetFlag(FLAGS_trainer_steps);
  options.run.bins = 40;
  options.live_rate_steps_per_s = absl::GetFlag(FLAGS_trainer_rate);
  options.run_prefix = attack ? "attacked" : "calm";
  auto report = actiscope::loadgen::RunLoad(options);
  running = false;
  poller.join();
  (*server)->Stop(absl::Seconds(30));
  if (!report.ok()) return report.status();
  result.push = *std::move(report);
  return result;
}

struct Part2Result {
  double idle_mib = 0, peak_mib = 0, after_mib = 0;
  int refused = 0, other = 0, frames = 0;
  std::string other_example;
};

absl::StatusOr<Part2Result> MeasureHostileMemory(const Scratch& s) {
  auto server = StartServer(s, "memory.db", {});
  if (!server.ok()) return server.status();
  Part2Result result;
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  auto channel = grpc::CreateCustomChannel((*server)->grpc_address(),
                                           grpc::InsecureChannelCredentials(), args);
  auto stub = actiscope::v1::Collector::NewStub(channel);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAttackerToken));
    actiscope::v1::RunSpec spec;
    spec.set_run_id("hostile");
    actiscope::v1::StartRunResponse response;
    if (!stub->StartRun(&context, spec, &response).ok()) {
      return absl::InternalError("StartRun of the hostile run failed");
    }
  }
  const std::string batch = actiscope::testing::MakeHostileZstdBatch(15 << 20, &result.frames);
  result.idle_mib = StatusKib((*server)->pid(), "VmRSS") / 1024;
  for (int i = 0; i < absl::GetFlag(FLAGS_hostile_requests); ++i) {
    const grpc::Status status =
        actiscope::testing::PushZstdBatch(stub.get(), kAttackerToken, "hostile", batch);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++result.refused;
    } else {
      ++result.other;
      if (result.other_example.empty()) {
        result.other_example = absl::StrCat(status.error_code(), " ", status.error_message());
      }
    }
  }
  absl::SleepFor(absl::Seconds(2));  // Let freed memory go back before reading RSS.
  result.peak_mib = StatusKib((*server)->pid(), "VmHWM") / 1024;
  result.after_mib = StatusKib((*server)->pid(), "VmRSS") / 1024;
  (*server)->Stop(absl::Seconds(30));
  return result;
}

absl::StatusOr<double> MeasureIngest(const Scratch& s, bool secure, int pair) {
  std::vector<std::string> args;
  if (secure) {
    args = {absl::StrCat("--tls_cert=", s.certs.server_cert),
            absl::StrCat("--tls_key=", s.certs.server_key)};
  }
  auto server = StartServer(s, absl::StrCat(secure ? "tls" : "plain", pair, ".db"), args);
  if (!server.ok()) return server.status();
  actiscope::loadgen::LoadOptions options;
  options.connection.address = secure ? absl::StrCat("grpcs://127.0.0.1:", (*server)->grpc_port())
                                      : (*server)->grpc_address();
  if (secure) options.connection.tls_ca_file = s.certs.ca_cert;
  options.connection.token = kTrainerToken;
  options.clients = 8;
  options.run.layers = 16;
  options.run.steps = 2048;
  options.run.bins = 40;
  options.max_in_flight = 2;
  options.prebuild = true;
  options.run_prefix = "ingest";
  auto report = actiscope::loadgen::RunLoad(options);
  (*server)->Stop(absl::Seconds(30));
  if (!report.ok()) return report.status();
  return report->histograms_per_s();
}

int Fail(const char* part, const absl::Status& status) {
  std::fprintf(stderr, "network_bench: %s: %s\n", part, status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  Scratch s;
  absl::StatusOr<actiscope::testing::TestCertificates> certs =
      actiscope::testing::MakeTestCertificates(s.dir);
  if (!certs.ok()) return Fail("certificates", certs.status());
  s.certs = *certs;
  WriteFile(s.dir + "/tokens", absl::StrCat(kTrainerToken, " ingest trainer\n", kAttackerToken,
                                            " ingest attacker\n", kViewerToken, " read viewer\n"));
  std::printf("network_bench: %ld cores here\n\n", sysconf(_SC_NPROCESSORS_ONLN));

  std::printf("1. a %.0f steps/s Push stream (5 layers x 40 bins) and /healthz every 50 ms\n",
              absl::GetFlag(FLAGS_trainer_rate));
  std::printf("%-34s %10s %10s %12s %12s %12s %8s\n", "", "ack p50 ms", "ack p99 ms", "healthz p50",
              "healthz p99", "healthz max", "failed");
  for (bool attack : {false, true}) {
    absl::StatusOr<Part1Result> r = MeasureUnderAttack(s, attack);
    if (!r.ok()) return Fail("part 1", r.status());
    const std::string label = attack ? absl::StrCat("with ", r->idle_held, " idle streams held, ",
                                                    r->slow_connected, " slow HTTP")
                                     : "alone";
    std::printf("%-34s %10.1f %10.1f %12.1f %12.1f %12.1f %8d\n", label.c_str(),
                absl::ToDoubleMilliseconds(r->push.ack_p50),
                absl::ToDoubleMilliseconds(r->push.ack_p99), Percentile(r->healthz_ms, 0.5),
                Percentile(r->healthz_ms, 0.99), Percentile(r->healthz_ms, 1.0),
                r->healthz_failures);
  }
  std::printf("(goals: ack p99 <= 1000 ms and /healthz <= 1000 ms under attack)\n\n");

  absl::StatusOr<Part2Result> memory = MeasureHostileMemory(s);
  if (!memory.ok()) return Fail("part 2", memory.status());
  std::printf(
      "2. %d hostile max-size requests (%d frames of 1024 bins each, to new series): %d refused "
      "with RESOURCE_EXHAUSTED, %d otherwise%s%s\n   server RSS idle %.0f MiB, peak %.0f MiB, "
      "after %.0f MiB (goal: peak < 512 MiB, back near idle)\n\n",
      absl::GetFlag(FLAGS_hostile_requests), memory->frames, memory->refused, memory->other,
      memory->other_example.empty() ? "" : ": ", memory->other_example.c_str(), memory->idle_mib,
      memory->peak_mib, memory->after_mib);

  std::printf("3. ingest, 8 streams x 16 layers x 2048 steps x 40 bins, fresh server each\n");
  std::printf("%-6s %16s %18s %8s\n", "pair", "plaintext h/s", "TLS + tokens h/s", "ratio");
  std::vector<double> ratios;
  for (int pair = 0; pair < absl::GetFlag(FLAGS_pairs); ++pair) {
    absl::StatusOr<double> plain = MeasureIngest(s, false, pair);
    if (!plain.ok()) return Fail("part 3 plaintext", plain.status());
    absl::StatusOr<double> secure = MeasureIngest(s, true, pair);
    if (!secure.ok()) return Fail("part 3 TLS", secure.status());
    ratios.push_back(*plain / *secure);
    std::printf("%-6d %16.0f %18.0f %8.3f\n", pair, *plain, *secure, ratios.back());
  }
  std::printf("median plaintext / TLS ratio %.3f (goal <= 1.10)\n", Percentile(ratios, 0.5));
  return 0;
}
