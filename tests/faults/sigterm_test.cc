// Case c: SIGTERM with 8 Push streams in flight. The collector exits within 10 s, and every
// frame a client counted as acknowledged before it stopped is committed: restarted without
// the clients, the server holds each client's acknowledged frames (a prefix of what it
// produced: a client delivers in order) exactly once, byte for byte. What the clients had not
// delivered is in their spools; `actiscope sync` delivers it, and then every frame produced is
// stored exactly once.
#include <signal.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/wait_until.h"
#include "tests/integration/subprocess.h"

namespace actiscope::faults {
namespace {

constexpr int kClients = 8;

TEST(SigtermTest, ServerExitsInTimeAndKeepsEveryAckedFrame) {
  const absl::Time start = absl::Now();
  testing::TempDir temp_dir("fault_term");
  const std::string dir = temp_dir.path();
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());
  ClientFleetOptions options;
  options.binary = ACTISCOPE_FAULT_CLIENT_BIN;
  options.dir = dir;
  options.prefix = "term";
  options.clients = kClients;
  options.server = server.grpc_address();
  // Streaming until stopped by SIGTERM.
  options.args = {"--steps=1000000", "--pace_ms=5", "--steps_per_request=4", "--outbox_bytes=16384",
                  "--drain_timeout=60s"};
  ClientFleet fleet(options);
  ASSERT_TRUE(fleet.Start().ok());

  // In flight: all 8 streams open, and ingest going on.
  ASSERT_TRUE(WaitUntil(absl::Seconds(30), [&] {
    absl::StatusOr<double> open = server.Metric("actiscope_push_streams_open");
    return open.ok() && *open >= kClients && server.FramesCommitted() >= kClients * 8;
  })) << server.log();
  absl::Duration took;
  const int exit_status = server.Terminate(absl::Seconds(20), &took);
  EXPECT_EQ(exit_status, 0) << server.log();
  EXPECT_LT(took, absl::Seconds(10)) << server.log();

  // The clients stop; what they had not delivered goes to their spools.
  fleet.Signal(SIGTERM);
  absl::StatusOr<std::vector<ClientCounts>> stopped = fleet.WaitForExit(absl::Seconds(30));
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  for (const ClientCounts& counts : *stopped) {
    EXPECT_TRUE(counts.Balanced()) << CountsJson(counts);
    EXPECT_EQ(counts.dropped + counts.rejected, 0u) << CountsJson(counts);
    EXPECT_GT(counts.acked, 0u) << CountsJson(counts);
  }

  // Every frame acknowledged before the stop is stored, once.
  ASSERT_TRUE(server.Start().ok());
  std::vector<StoredCheck> checks;
  absl::StatusOr<FaultTally> acked =
      fleet.Verify(server.grpc_address(), *stopped, &checks, /*acked_prefix=*/true);
  ASSERT_TRUE(acked.ok()) << acked.status();
  acked->Print(absl::StrFormat("c. SIGTERM with 8 streams in flight (exit in %.1f s)",
                               absl::ToDoubleSeconds(took)));
  EXPECT_EQ(acked->lost, 0u);
  EXPECT_EQ(acked->duplicates, 0u);
  EXPECT_EQ(acked->conflicts, 0u);

  // The rest, from the spools.
  for (int i = 0; i < kClients; ++i) {
    absl::StatusOr<testing::CommandOutput> sync =
        testing::RunCommand({ACTISCOPE_CLI_BIN, absl::StrCat("--server=", server.grpc_address()),
                             "--json", "sync", fleet.spool_dir(i)},
                            dir, absl::Seconds(60));
    ASSERT_TRUE(sync.ok()) << sync.status();
    EXPECT_EQ(sync->exit_status, 0) << sync->err;
  }
  checks.clear();
  absl::StatusOr<FaultTally> all = fleet.Verify(server.grpc_address(), *stopped, &checks);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->lost, 0u);
  EXPECT_EQ(all->duplicates, 0u);
  EXPECT_EQ(all->conflicts, 0u);
  for (const StoredCheck& check : checks) EXPECT_EQ(check.outside, 0u);
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case c took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
