// Case b: a full disk. The collector runs with --max_database_bytes a little above its empty
// database, so ingest fills it: Push requests are refused with RESOURCE_EXHAUSTED, /healthz
// answers 503, and the clients keep what was refused (outbox and spool) and retry. Restarted
// with room, /healthz answers 200 and, once the clients drained, every frame they acknowledged
// is stored exactly once and none was dropped or given up.
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/wait_until.h"

namespace actiscope::faults {
namespace {

constexpr int kClients = 4;
constexpr uint64_t kRoomBytes = 64 << 10;  // Above the empty database: fills in seconds.

int HealthStatus(const FaultServer& server) {
  absl::StatusOr<HttpAnswer> health = server.HttpGet("/healthz");
  return health.ok() ? health->status : 0;
}

bool HoldsSegments(const std::string& spool_dir) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir, error)) {
    if (entry.path().extension() == ".spool") return true;
  }
  return false;
}

std::string FirstLineWith(const std::string& text, absl::string_view needle) {
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (absl::StrContains(line, needle)) return std::string(line);
  }
  return "(none)";
}

TEST(DiskFullTest, RefusedFramesAreKeptAndDeliveredOnceThereIsRoom) {
  const absl::Time start = absl::Now();
  testing::TempDir temp_dir("fault_full");
  const std::string dir = temp_dir.path();
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  // The empty database's size (the schema), then a limit a little above it.
  ASSERT_TRUE(server.Start().ok());
  ASSERT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  const uint64_t empty_bytes = std::filesystem::file_size(server.db());
  ASSERT_TRUE(server.Start({absl::StrCat("--max_database_bytes=", empty_bytes + kRoomBytes)}).ok());

  ClientFleetOptions options;
  options.binary = ACTISCOPE_FAULT_CLIENT_BIN;
  options.dir = dir;
  options.prefix = "full";
  options.clients = kClients;
  options.server = server.grpc_address();
  // Paced, until told to stop, so that they go on producing while the server is full.
  const std::string stop_file = dir + "/stop";
  options.args = {"--steps=1000000",
                  "--pace_ms=5",
                  "--steps_per_request=4",
                  "--outbox_bytes=4096",
                  absl::StrCat("--stop_file=", stop_file),
                  "--drain_timeout=90s"};
  ClientFleet fleet(options);
  ASSERT_TRUE(fleet.Start().ok());

  // Full: health says so, the server refused requests as RESOURCE_EXHAUSTED, every client saw
  // it, and what it could not deliver is kept.
  HttpAnswer health;
  ASSERT_TRUE(WaitUntil(absl::Seconds(60), [&] {
    absl::StatusOr<HttpAnswer> answer = server.HttpGet("/healthz");
    if (answer.ok()) health = *answer;
    return health.status == 503;
  })) << server.log();
  EXPECT_TRUE(absl::StrContains(health.body, "full")) << health.body;
  absl::StatusOr<double> refused =
      server.Metric("actiscope_requests_rejected_total{code=\"resource_exhausted\"}");
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_GT(*refused, 0);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(WaitUntil(absl::Seconds(30), [&] {
      return absl::StrContains(fleet.client(i).stderr_text(), "RESOURCE_EXHAUSTED");
    })) << fleet.client(i).stderr_text();
  }
  // Their 4 KiB outboxes overflowed into their spools.
  const auto all_spooling = [&] {
    for (int i = 0; i < kClients; ++i) {
      if (!HoldsSegments(fleet.spool_dir(i))) return false;
    }
    return true;
  };
  EXPECT_TRUE(WaitUntil(absl::Seconds(10), all_spooling))
      << "a client kept nothing in its spool while the server was full";

  // Room again.
  ASSERT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  ASSERT_TRUE(server.Start({"--max_database_bytes=0"}).ok());
  EXPECT_EQ(HealthStatus(server), 200);
  std::ofstream(stop_file) << "stop\n";
  absl::StatusOr<std::vector<ClientCounts>> done = fleet.WaitForExit(absl::Seconds(120));
  ASSERT_TRUE(done.ok()) << done.status();
  for (int i = 0; i < kClients; ++i) {
    const ClientCounts& counts = (*done)[i];
    EXPECT_TRUE(counts.Balanced()) << CountsJson(counts);
    EXPECT_EQ(counts.acked, counts.produced) << CountsJson(counts);
    EXPECT_EQ(counts.unacked + counts.dropped, 0u) << CountsJson(counts);
    // A full database is transient (client/push_refusal.h): nothing may be given up for it.
    EXPECT_EQ(counts.rejected, 0u) << CountsJson(counts) << "; the client's first refusal: "
                                   << FirstLineWith(fleet.client(i).stderr_text(), "refused");
  }
  std::vector<StoredCheck> checks;
  absl::StatusOr<FaultTally> tally = fleet.Verify(server.grpc_address(), *done, &checks);
  ASSERT_TRUE(tally.ok()) << tally.status();
  tally->Print("b. database full (--max_database_bytes), then room");
  EXPECT_EQ(tally->lost, 0u);
  EXPECT_EQ(tally->duplicates, 0u);
  EXPECT_EQ(tally->conflicts, 0u);
  for (const StoredCheck& check : checks) EXPECT_EQ(check.outside, 0u);
  EXPECT_EQ(HealthStatus(server), 200);
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case b took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
