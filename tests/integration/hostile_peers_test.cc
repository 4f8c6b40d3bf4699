// A collector on the network keeps serving its users while hostile peers do their worst. A real
// actiscope-train pushes a run and a polite client loads the page and the API from 127.0.0.1.
// The trainer is paused (SIGSTOP) as soon as its run exists, since at 100+ steps/s it would
// otherwise finish its 120 steps before the attacks are in place: an ingest token opens 300
// silent Push streams, 127.0.0.2 100 half-sent HTTP requests, 127.0.0.3 asks for 64 SSE streams
// of the run and holds the ones it gets, and another ingest token sends a max-size zstd batch
// that expands to new series. Then the trainer resumes and pushes every step with all of that
// held, while the hostile batch is sent again and again. The trainer must store every step, the
// polite requests must all be answered, each cap must hold exactly (32 Push streams per peer,
// 8 event streams per client), the hostile batch must be refused naming its limit with nothing
// of it stored, no run but the two may appear, and no token may reach the server's log.
#include "tests/integration/hostile_peers.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "actiscope/v1/collector.grpc.pb.h"
#include "actiscope/v1/query.grpc.pb.h"
#include "common/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kSteps = 120;
constexpr int kPushStreamsPerPeer = 32;
constexpr int kEventStreamsPerClient = 8;
constexpr int kFramesPerRequest = 8192;
constexpr int kHostileBatches = 3;
constexpr char kTrainerToken[] = "trainer-token-0123456789abcdef";
constexpr char kAttackerToken[] = "attacker-token-0123456789abcdef";
constexpr char kFlooderToken[] = "flooder-token-0123456789abcdef";
constexpr char kViewerToken[] = "viewer-token-0123456789abcdef";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

void AsViewer(grpc::ClientContext* context) {
  context->AddMetadata("authorization", absl::StrCat("Bearer ", kViewerToken));
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
}

grpc::Status ReadRun(v1::Query::Stub* query, const std::string& run_id, v1::RunDetail* detail) {
  grpc::ClientContext context;
  AsViewer(&context);
  v1::GetRunRequest request;
  request.set_run_id(run_id);
  return query->GetRun(&context, request, detail);
}

grpc::Status ListRuns(v1::Query::Stub* query, v1::ListRunsResponse* runs) {
  grpc::ClientContext context;
  AsViewer(&context);
  return query->ListRuns(&context, v1::ListRunsRequest(), runs);
}

// The run named `name` once it exists on the server, polling until `deadline` or until
// `trainer` has ended. DEADLINE_EXCEEDED when it did not appear.
absl::StatusOr<v1::RunSummary> WaitForRun(v1::Query::Stub* query, const std::string& name,
                                          absl::Time deadline, Subprocess& trainer) {
  std::string last_error = "no such run yet";
  while (absl::Now() < deadline && !trainer.Poll().has_value()) {
    v1::ListRunsResponse runs;
    const grpc::Status status = ListRuns(query, &runs);
    if (!status.ok()) last_error = status.error_message();
    for (const v1::RunSummary& run : runs.runs()) {
      if (run.name() == name) return run;
    }
    absl::SleepFor(absl::Milliseconds(20));  // Between polls of another process.
  }
  return absl::DeadlineExceededError(
      absl::StrCat("run \"", name, "\" did not appear: ", last_error,
                   "; trainer: ", trainer.Poll().has_value() ? "ended" : "runs"));
}

TEST(HostilePeersTest, TrainerAndPageKeepWorkingWhileHostilePeersHoldStreamsAndConnections) {
  TempDir temp_dir("hostile_peers_test");
  const std::string dir = temp_dir.path();
  WriteFile(dir + "/tokens",
            absl::StrCat(kTrainerToken, " ingest trainer\n", kAttackerToken, " ingest attacker\n",
                         kFlooderToken, " ingest flooder\n", kViewerToken, " read viewer\n"));
  WriteFile(dir + "/trainer.token", absl::StrCat(kTrainerToken, "\n"));
  ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir + "/runs.db";
  options.scratch_dir = dir;
  // The limits the attacks meet, at their defaults.
  options.extra_args = {absl::StrCat("--auth_tokens=", dir, "/tokens"),
                        absl::StrCat("--max_push_streams_per_peer=", kPushStreamsPerPeer),
                        absl::StrCat("--max_event_streams_per_client=", kEventStreamsPerClient),
                        absl::StrCat("--max_frames_per_request=", kFramesPerRequest)};
  auto server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int http_port = (*server)->http_port();

  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  std::shared_ptr<grpc::Channel> attacker_channel = grpc::CreateCustomChannel(
      (*server)->grpc_address(), grpc::InsecureChannelCredentials(), args);
  auto collector = v1::Collector::NewStub(attacker_channel);
  auto query = v1::Query::NewStub(attacker_channel);
  {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kAttackerToken));
    v1::RunSpec spec;
    spec.set_run_id("attacker-run");
    v1::StartRunResponse response;
    ASSERT_TRUE(collector->StartRun(&context, spec, &response).ok());
  }
  int hostile_frames = 0;
  const std::string hostile_batch = MakeHostileZstdBatch(15 << 20, &hostile_frames);
  ASSERT_GT(hostile_frames, kFramesPerRequest);

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

  // Whatever fails below, the polite client ends before its variables go.
  absl::Cleanup stop_polite = [&] {
    training = false;
    if (polite.joinable()) polite.join();
  };

  const std::vector<std::string> argv = {ACTISCOPE_TRAIN_BIN,
                                         "--width=8",
                                         "--batch_size=32",
                                         absl::StrCat("--train_limit=", 32 * kSteps),
                                         "--epochs=1",
                                         "--test_limit=200",
                                         "--run_name=under-attack",
                                         absl::StrCat("--token_file=", dir, "/trainer.token"),
                                         absl::StrCat("--server=", (*server)->grpc_address())};
  absl::StatusOr<std::unique_ptr<Subprocess>> trainer =
      Subprocess::Start(argv, dir + "/trainer.out", dir + "/trainer.err");
  ASSERT_TRUE(trainer.ok()) << trainer.status();
  absl::StatusOr<v1::RunSummary> trainer_run =
      WaitForRun(query.get(), "under-attack", absl::Now() + absl::Seconds(120), **trainer);
  ASSERT_TRUE(trainer_run.ok()) << trainer_run.status() << ReadFileOrEmpty(dir + "/trainer.err");
  ASSERT_EQ(kill((*trainer)->pid(), SIGSTOP), 0);
  const std::string run_id = trainer_run->run_id();

  // The attacks, held until the end of the test.
  IdlePushStreams idle_streams;
  absl::StatusOr<int> idle = idle_streams.Open(attacker_channel, kAttackerToken, 300);
  ASSERT_TRUE(idle.ok()) << idle.status();
  EXPECT_EQ(*idle, kPushStreamsPerPeer) << "the attacker holds its share of Push streams";
  HalfSentHttpRequests half_sent;
  absl::StatusOr<int> slow = half_sent.Open(http_port, "127.0.0.2", 100);
  ASSERT_TRUE(slow.ok()) << slow.status();
  HeldEventStreams events;
  absl::StatusOr<int> held = events.Open(http_port, "127.0.0.3", run_id, kViewerToken, 64);
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(*held, kEventStreamsPerClient) << "one client holds exactly its event streams";
  int hostile_sent = 0;
  auto push_hostile = [&] {
    const grpc::Status hostile =
        PushZstdBatch(collector.get(), kFlooderToken, "attacker-run", hostile_batch);
    ++hostile_sent;
    EXPECT_EQ(hostile.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << hostile_frames << " frames: " << hostile.error_message();
    EXPECT_THAT(
        hostile.error_message(),
        HasSubstr(absl::StrCat(kFramesPerRequest, " per request (--max_frames_per_request)")));
  };
  push_hostile();
  v1::RunDetail paused;
  ASSERT_TRUE(ReadRun(query.get(), run_id, &paused).ok());
  EXPECT_EQ(paused.run().status(), v1::RUN_STATUS_LIVE);
  EXPECT_LT(paused.run().last_step(), kSteps - 1) << "steps are left to push under attack";

  // The trainer resumes and pushes the rest of its run under attack, hostile batches included.
  ASSERT_EQ(kill((*trainer)->pid(), SIGCONT), 0);
  do {
    push_hostile();
  } while (!(*trainer)->Poll().has_value());
  EXPECT_GE(hostile_sent, 2);
  absl::StatusOr<int> exit_status = (*trainer)->Wait(absl::Seconds(240));
  std::move(stop_polite).Invoke();
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  const std::string out = ReadFileOrEmpty(dir + "/trainer.out");
  const std::string err = ReadFileOrEmpty(dir + "/trainer.err");
  ASSERT_EQ(*exit_status, 0) << out << err;
  auto trained = trainer::ParseTrainerOutput(out, err);
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->run_id, run_id);

  EXPECT_GT(polite_requests, 0);
  EXPECT_TRUE(polite_failures.empty()) << absl::StrJoin(polite_failures, "\n");

  v1::RunDetail detail;
  ASSERT_TRUE(ReadRun(query.get(), run_id, &detail).ok());
  EXPECT_EQ(detail.run().first_step(), 0);
  EXPECT_EQ(detail.run().last_step(), kSteps - 1);
  EXPECT_GT(detail.layers_size(), 0);
  v1::RunDetail attacker;
  ASSERT_TRUE(ReadRun(query.get(), "attacker-run", &attacker).ok());
  EXPECT_EQ(attacker.layers_size(), 0) << "nothing of the hostile batch may be stored";
  v1::ListRunsResponse runs;
  ASSERT_TRUE(ListRuns(query.get(), &runs).ok());
  EXPECT_EQ(runs.runs_size(), 2);

  // The server stops cleanly with the hostile streams and connections still open, and never
  // logged a token.
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->log();
  const std::string log = (*server)->log();
  for (const char* token : {kTrainerToken, kAttackerToken, kFlooderToken, kViewerToken}) {
    EXPECT_THAT(log, Not(HasSubstr(token)));
  }
}

}  // namespace
}  // namespace actiscope::testing
