// Case e: two client processes share one spool directory through an outage. Both report their
// own rank of one run while the collector is down, so both spill into the same directory (each
// to segments of its own, under its own lock); then the collector comes up. Each process
// delivers exactly its own frames (acked == produced: it neither replays nor deletes the other's
// live segments), every frame of both ranks is stored exactly once, and the directory ends
// empty of segments.
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/spool_owner.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/client_process.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/faults/long_faults.h"
#include "tests/faults/stored_frames.h"

namespace actiscope::faults {
namespace {

constexpr char kRunId[] = "shared";
constexpr uint64_t kSeed = 7;

// The owners of the segment files in `dir`, and how many segment files there are.
std::set<std::string> SegmentOwners(const std::string& dir, int* segments) {
  std::set<std::string> owners;
  *segments = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::optional<client::SpoolFileName> name =
        client::ParseSpoolFileName(entry.path().filename().string());
    if (name.has_value() && !name->lock) {
      owners.insert(name->owner);
      ++*segments;
    }
  }
  return owners;
}

TEST(SharedSpoolTest, TwoProcessesSharingASpoolEachDeliverTheirOwnFramesOnce) {
  const absl::Time start = absl::Now();
  const int64_t steps = LongFaults() ? 2000 : 150;
  testing::TempDir temp_dir("fault_shared");
  const std::string dir = temp_dir.path();
  const std::string spool_dir = dir + "/spool";
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());  // Picks the port the clients will use.
  ASSERT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();

  std::vector<std::unique_ptr<ClientProcess>> clients;
  for (uint32_t rank = 0; rank < 2; ++rank) {
    absl::StatusOr<std::unique_ptr<ClientProcess>> client = ClientProcess::Start(
        ACTISCOPE_FAULT_CLIENT_BIN, dir, absl::StrCat("rank-", rank),
        {absl::StrCat("--server=", server.grpc_address()), absl::StrCat("--run_id=", kRunId),
         absl::StrCat("--seed=", kSeed), absl::StrCat("--rank=", rank), "--world_size=2",
         absl::StrCat("--layers=", kFaultLayers), absl::StrCat("--bins=", kFaultBins),
         absl::StrCat("--steps=", steps), "--steps_per_request=4", "--outbox_bytes=4096",
         absl::StrCat("--spool_dir=", spool_dir), "--drain_timeout=60s"});
    ASSERT_TRUE(client.ok()) << client.status();
    clients.push_back(*std::move(client));
  }
  // The outage: both produced everything, and both spilled into the shared directory.
  for (auto& client : clients) {
    absl::StatusOr<ClientCounts> produced = client->WaitForLine("produced", absl::Seconds(60));
    ASSERT_TRUE(produced.ok()) << produced.status();
    EXPECT_EQ(produced->acked, 0u) << CountsJson(*produced);
  }
  int segments = 0;
  EXPECT_EQ(SegmentOwners(spool_dir, &segments).size(), 2u) << segments << " segments";

  ASSERT_TRUE(server.Start().ok());
  FaultTally tally;
  for (uint32_t rank = 0; rank < 2; ++rank) {
    absl::StatusOr<ClientCounts> done = clients[rank]->WaitForExit(absl::Seconds(90));
    ASSERT_TRUE(done.ok()) << done.status();
    EXPECT_TRUE(done->Balanced()) << CountsJson(*done);
    EXPECT_EQ(done->acked, done->produced) << CountsJson(*done);
    EXPECT_EQ(done->unacked + done->dropped + done->rejected, 0u) << CountsJson(*done);
    ExpectedFrames expected;
    expected.run_id = kRunId;
    expected.frames = {kSeed, kFaultLayers, kFaultBins, rank};
    expected.first_step = done->first_step;
    expected.steps = done->steps;
    absl::StatusOr<StoredCheck> check = CheckStored(server.grpc_address(), expected);
    ASSERT_TRUE(check.ok()) << check.status();
    EXPECT_EQ(check->stored, expected.count());
    EXPECT_EQ(check->outside, 0u);
    tally.acked += done->acked;
    tally.Add(*check, done->produced - done->acked);
  }
  absl::StatusOr<v1::RunSummary> summary = GetRunSummary(server.grpc_address(), kRunId);
  ASSERT_TRUE(summary.ok()) << summary.status();
  tally.runs = 1;
  tally.conflicts = summary->conflicting_frames();
  tally.Print("e. two processes, one spool dir, through an outage");
  EXPECT_EQ(tally.lost, 0u);
  EXPECT_EQ(tally.duplicates, 0u);
  EXPECT_EQ(tally.conflicts, 0u);
  EXPECT_TRUE(SegmentOwners(spool_dir, &segments).empty()) << segments << " segments left";
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  EXPECT_TRUE(CheckDatabaseIntegrity(server.db()).ok());
  std::printf("case e took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
