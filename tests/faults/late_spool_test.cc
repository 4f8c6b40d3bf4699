// Case f: a late spool. Client A reports run R, steps 0..N, offline into spool S and is killed;
// client B reports steps 0..M (M > N) of the same run and rank directly. Then
// `actiscope sync S` delivers A's spool: A's frames are identical to B's (FaultFrames is
// deterministic), so the server ignores every one of them, nothing conflicts, and every step
// 0..M is stored exactly once.
#include <filesystem>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/client_process.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/stored_frames.h"
#include "tests/integration/subprocess.h"

namespace actiscope::faults {
namespace {

constexpr char kRunId[] = "late";
constexpr uint64_t kSeed = 5;
constexpr int64_t kStepsA = 60;   // Steps 0..N, N = 59.
constexpr int64_t kStepsB = 120;  // Steps 0..M, M = 119.

std::vector<std::string> ClientArgs(int64_t steps) {
  return {absl::StrCat("--run_id=", kRunId),       absl::StrCat("--seed=", kSeed),
          absl::StrCat("--layers=", kFaultLayers), absl::StrCat("--bins=", kFaultBins),
          absl::StrCat("--steps=", steps),         "--steps_per_request=4"};
}

double Frames(const FaultServer& server, const char* outcome) {
  absl::StatusOr<double> value =
      server.Metric(absl::StrCat("actiscope_frames_total{outcome=\"", outcome, "\"}"));
  return value.ok() ? *value : -1;
}

TEST(LateSpoolTest, ASyncedLateSpoolIsIgnoredWhereTheRunAlreadyHasItsSteps) {
  const absl::Time start = absl::Now();
  testing::TempDir temp_dir("fault_late");
  const std::string dir = temp_dir.path();
  const std::string spool_dir = dir + "/spool-a";
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());

  // A: offline, killed holding its spool (its open segment never sealed).
  std::vector<std::string> args_a = ClientArgs(kStepsA);
  args_a.insert(args_a.end(), {"--offline", absl::StrCat("--spool_dir=", spool_dir), "--hold"});
  absl::StatusOr<std::unique_ptr<ClientProcess>> a =
      ClientProcess::Start(ACTISCOPE_FAULT_CLIENT_BIN, dir, "client-a", args_a);
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<ClientCounts> spooled = (*a)->WaitForLine("done", absl::Seconds(60));
  ASSERT_TRUE(spooled.ok()) << spooled.status();
  EXPECT_EQ(spooled->unacked, spooled->produced) << CountsJson(*spooled);
  (*a)->Kill();

  // B: online, steps 0..M.
  std::vector<std::string> args_b = ClientArgs(kStepsB);
  args_b.push_back(absl::StrCat("--server=", server.grpc_address()));
  absl::StatusOr<std::unique_ptr<ClientProcess>> b =
      ClientProcess::Start(ACTISCOPE_FAULT_CLIENT_BIN, dir, "client-b", args_b);
  ASSERT_TRUE(b.ok()) << b.status();
  absl::StatusOr<ClientCounts> delivered = (*b)->WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(delivered->acked, delivered->produced) << CountsJson(*delivered);

  // The late spool.
  const double ignored_before = Frames(server, "ignored");
  absl::StatusOr<testing::CommandOutput> sync =
      testing::RunCommand({ACTISCOPE_CLI_BIN, absl::StrCat("--server=", server.grpc_address()),
                           "--json", "sync", spool_dir},
                          dir, absl::Seconds(60));
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->exit_status, 0) << sync->err;
  EXPECT_TRUE(
      absl::StrContains(sync->out, absl::StrCat("\"frames_delivered\":", spooled->produced)))
      << sync->out;
  EXPECT_EQ(Frames(server, "ignored") - ignored_before, static_cast<double>(spooled->produced));
  EXPECT_EQ(Frames(server, "conflicting"), 0);

  ExpectedFrames expected;
  expected.run_id = kRunId;
  expected.frames = {kSeed, kFaultLayers, kFaultBins, 0};
  expected.steps = kStepsB;
  absl::StatusOr<StoredCheck> check = CheckStored(server.grpc_address(), expected);
  ASSERT_TRUE(check.ok()) << check.status();
  absl::StatusOr<v1::RunSummary> summary = GetRunSummary(server.grpc_address(), kRunId);
  ASSERT_TRUE(summary.ok()) << summary.status();
  FaultTally tally;
  tally.runs = 1;
  tally.acked = delivered->acked + spooled->produced;  // B's, and A's through the sync.
  tally.conflicts = summary->conflicting_frames();
  tally.Add(*check);
  tally.Print("f. late offline spool synced over a run that has its steps");
  EXPECT_EQ(check->stored, expected.count());
  EXPECT_EQ(check->outside, 0u);
  EXPECT_EQ(tally.lost, 0u);
  EXPECT_EQ(tally.duplicates, 0u);
  EXPECT_EQ(tally.conflicts, 0u);
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir)) {
    EXPECT_NE(entry.path().extension(), ".spool") << "left in the spool: " << entry.path();
  }
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case f took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
