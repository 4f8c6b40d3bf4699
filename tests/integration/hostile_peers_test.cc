// A collector on the network keeps serving its users while hostile peers do their worst: a real
// actiscope-train pushes a run and a polite client loads the page and the API from 127.0.0.1,
// while another ingest token holds 300 silent Push streams and sends a max-size zstd batch
// that expands to new series, and 127.0.0.2 holds 100 half-sent HTTP requests and 64 SSE
// streams. The trainer must store every step, the polite requests must all be answered, the
// hostile batch must be refused with nothing of it stored, and no run but the two may appear.
#include "tests/integration/hostile_peers.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::testing {
namespace {

constexpr int kSteps = 120;
constexpr char kTrainerToken[] = "trainer-token-0123456789abcdef";
constexpr char kAttackerToken[] = "attacker-token-0123456789abcdef";
constexpr char kViewerToken[] = "viewer-token-0123456789abcdef";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

grpc::Status ReadRun(v1::Query::Stub* query, const std::string& run_id, v1::RunDetail* detail) {
  grpc::ClientContext context;
  context.AddMetadata("authorization", absl::StrCat("Bearer ", kViewerToken));
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  return query->GetRun(&context, request, detail);
}

TEST(HostilePeersTest, TrainerAndPageKeepWorkingWhileHostilePeersHoldStreamsAndConnections) {
  TempDir temp_dir("hostile_peers_test");
  const std::string dir = temp_dir.path();
  WriteFile(dir + "/tokens", absl::StrCat(kTrainerToken, " ingest trainer\n", kAttackerToken,
                                          " ingest attacker\n", kViewerToken, " read viewer\n"));
  WriteFile(dir + "/trainer.token", absl::StrCat(kTrainerToken, "\n"));
  ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir + "/runs.db";
  options.scratch_dir = dir;
  options.extra_args = {absl::StrCat("--auth_tokens=", dir, "/tokens")};
  auto server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int http_port = (*server)->http_port();

  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::Channel> attacker_channel = grpc::CreateCustomChannel(
      (*server)->grpc_address(), grpc::InsecureChannelCredentials(), args);
  auto collector = v1::Collector::NewStub(attacker_channel);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAttackerToken));
    v1::RunSpec spec;
    spec.set_run_id("attacker-run");
    v1::StartRunResponse response;
    ASSERT_TRUE(collector->StartRun(&context, spec, &response).ok());
  }

  IdlePushStreams idle_streams;
  absl::StatusOr<int> idle = idle_streams.Open(attacker_channel, kAttackerToken, 300);
  ASSERT_TRUE(idle.ok()) << idle.status();
  HalfSentHttpRequests half_sent;
  absl::StatusOr<int> slow = half_sent.Open(http_port, "127.0.0.2", 100);
  ASSERT_TRUE(slow.ok()) << slow.status();
  HeldEventStreams events;
  absl::StatusOr<int> held = events.Open(http_port, "127.0.0.2", "attacker-run", kViewerToken, 64);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_LT(*held, 64) << "one client may not hold 64 event streams";

  int hostile_frames = 0;
  const std::string hostile_batch = MakeHostileZstdBatch(15 << 20, &hostile_frames);
  grpc::Status hostile =
      PushZstdBatch(collector.get(), kAttackerToken, "attacker-run", hostile_batch);
  EXPECT_EQ(hostile.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << hostile_frames << " frames: " << hostile.error_message();

  // The polite client loads the page, the run list and the health check over and over while
  // the trainer runs.
  std::atomic<bool> training{true};
  std::vector<std::string> polite_failures;
  int polite_requests = 0;
  std::thread polite([&] {
    const std::vector<std::pair<std::string, std::string>> targets = {
        {"/healthz", ""}, {"/api/runs", kViewerToken}, {"/", kViewerToken}};
    while (training.load()) {
      for (const auto& [target, token] : targets) {
        absl::StatusOr<int> status = HttpGetStatus(http_port, "127.0.0.1", target, token);
        ++polite_requests;
        if (!status.ok() || *status != 200) {
          polite_failures.push_back(absl::StrCat(
              target, ": ",
              status.ok() ? absl::StrCat("HTTP ", *status) : status.status().ToString()));
        }
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
  });

  std::vector<std::string> argv = {ACTISCOPE_TRAIN_BIN,
                                   "--width=8",
                                   "--batch_size=32",
                                   absl::StrCat("--train_limit=", 32 * kSteps),
                                   "--epochs=1",
                                   "--test_limit=200",
                                   "--run_name=under-attack",
                                   absl::StrCat("--token_file=", dir, "/trainer.token"),
                                   absl::StrCat("--server=", (*server)->grpc_address())};
  auto run = RunCommand(argv, dir, absl::Seconds(240));
  training = false;
  polite.join();
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->exit_status, 0) << run->out << run->err;
  auto trained = trainer::ParseTrainerOutput(run->out, run->err);
  ASSERT_TRUE(trained.ok()) << trained.status();

  EXPECT_GT(polite_requests, 0);
  EXPECT_TRUE(polite_failures.empty()) << absl::StrJoin(polite_failures, "\n");

  auto query = v1::Query::NewStub(attacker_channel);
  v1::RunDetail detail;
  ASSERT_TRUE(ReadRun(query.get(), trained->run_id, &detail).ok());
  EXPECT_EQ(detail.run().first_step(), 0);
  EXPECT_EQ(detail.run().last_step(), kSteps - 1);
  EXPECT_GT(detail.layers_size(), 0);
  v1::RunDetail attacker;
  ASSERT_TRUE(ReadRun(query.get(), "attacker-run", &attacker).ok());
  EXPECT_EQ(attacker.layers_size(), 0) << "nothing of the hostile batch may be stored";

  // The server stops cleanly with the hostile streams and connections still open.
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->log();
}

}  // namespace
}  // namespace actiscope::testing
