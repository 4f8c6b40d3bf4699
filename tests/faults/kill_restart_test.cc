// Case a: the collector is killed with SIGKILL 10 times (40 with ACTISCOPE_LONG_FAULTS=1) while
// 8 fault clients stream into it, each spilling to its own spool; it is restarted on the same
// database and port each time. Once the clients drained, every frame each acknowledged is
// stored exactly once, byte for byte, and SQLite's integrity check passes.
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/long_faults.h"
#include "tests/faults/wait_until.h"

namespace actiscope::faults {
namespace {

TEST(KillRestartTest, EveryAckedFrameIsStoredOnceThroughRepeatedKills) {
  const absl::Time start = absl::Now();
  const int kills = LongFaults() ? 40 : 10;
  testing::TempDir temp_dir("fault_kill");
  const std::string dir = temp_dir.path();
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());
  const std::string stop_file = dir + "/stop";
  ClientFleetOptions options;
  options.binary = ACTISCOPE_FAULT_CLIENT_BIN;
  options.dir = dir;
  options.prefix = "kill";
  options.clients = 8;
  options.server = server.grpc_address();
  // Paced, until told to stop; a 4 KiB outbox, so that outages spill to the spool.
  options.args = {"--steps=1000000",
                  "--pace_ms=10",
                  "--steps_per_request=4",
                  "--outbox_bytes=4096",
                  absl::StrCat("--stop_file=", stop_file),
                  "--drain_timeout=60s"};
  ClientFleet fleet(options);
  ASSERT_TRUE(fleet.Start().ok());

  for (int kill = 0; kill < kills; ++kill) {
    // Mid-stream: this instance has committed frames since it started (two requests' worth).
    ASSERT_TRUE(WaitUntil(absl::Seconds(30),
                          [&] { return server.FramesCommitted() >= 2 * kFaultLayers * 4; }))
        << "kill " << kill << ": no ingest; server log: " << server.log();
    ASSERT_TRUE(server.Kill().ok());
    ASSERT_TRUE(server.Start().ok()) << "restart " << kill;
  }
  std::ofstream(stop_file) << "stop\n";
  absl::StatusOr<std::vector<ClientCounts>> done = fleet.WaitForExit(absl::Seconds(90));
  ASSERT_TRUE(done.ok()) << done.status();

  for (int i = 0; i < 8; ++i) {  // The kills reached every client: its stream broke.
    EXPECT_NE(fleet.client(i).stderr_text().find("UNAVAILABLE"), std::string::npos) << i;
  }
  for (const ClientCounts& counts : *done) {
    EXPECT_TRUE(counts.Balanced()) << CountsJson(counts);
    EXPECT_EQ(counts.acked, counts.produced) << CountsJson(counts);
    EXPECT_EQ(counts.unacked + counts.dropped + counts.rejected, 0u) << CountsJson(counts);
  }
  std::vector<StoredCheck> checks;
  absl::StatusOr<FaultTally> tally = fleet.Verify(server.grpc_address(), *done, &checks);
  ASSERT_TRUE(tally.ok()) << tally.status();
  tally->Print(absl::StrCat("a. kill -9 x", kills, " during 8-client ingest"));
  EXPECT_EQ(tally->lost, 0u);
  EXPECT_EQ(tally->duplicates, 0u);
  EXPECT_EQ(tally->conflicts, 0u);
  for (const StoredCheck& check : checks) EXPECT_EQ(check.outside, 0u);
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case a took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
