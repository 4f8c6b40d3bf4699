// Case d: a damaged database file at start. actiscope-server exits non-zero with a message
// naming the file, and leaves it byte for byte as it was: random bytes, and a real database
// truncated to half its size. The real database it was cut from still opens afterwards and
// holds every frame acknowledged into it.
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/faults/client_fleet.h"
#include "tests/faults/database_check.h"
#include "tests/faults/fault_server.h"
#include "tests/integration/subprocess.h"

namespace actiscope::faults {
namespace {

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Starts actiscope-server on `db` and expects it to refuse the file: a non-zero exit whose
// message names it, and the file unchanged.
void ExpectRefused(const std::string& dir, const std::string& db) {
  const std::string before = testing::ReadFileOrEmpty(db);
  ASSERT_FALSE(before.empty());
  absl::StatusOr<testing::CommandOutput> run = testing::RunCommand(
      {ACTISCOPE_SERVER_BIN, "--grpc_addr=127.0.0.1:0", "--http_addr=127.0.0.1:0",
       absl::StrCat("--db=", db), absl::StrCat("--port_file=", dir, "/refused.ports")},
      dir, absl::Seconds(30));
  ASSERT_TRUE(run.ok()) << run.status();  // It exits by itself.
  EXPECT_NE(run->exit_status, 0) << run->err;
  EXPECT_TRUE(absl::StrContains(run->err, db)) << run->err;
  EXPECT_EQ(testing::ReadFileOrEmpty(db), before) << db << " was changed";
  EXPECT_FALSE(std::filesystem::exists(dir + "/refused.ports"));
}

TEST(CorruptDatabaseTest, RandomBytesAreRefusedAndLeftUnchanged) {
  testing::TempDir temp_dir("fault_corrupt");
  const std::string db = temp_dir.File("random.db");
  std::mt19937_64 rng(20240611);
  std::string bytes(256 << 10, '\0');
  for (char& c : bytes) c = static_cast<char>(rng());
  WriteBytes(db, bytes);
  ExpectRefused(temp_dir.path(), db);
  EXPECT_EQ(testing::ReadFileOrEmpty(db), bytes);
}

TEST(CorruptDatabaseTest, TruncatedDatabaseIsRefusedAndLeftUnchanged) {
  const absl::Time start = absl::Now();
  testing::TempDir temp_dir("fault_corrupt");
  const std::string dir = temp_dir.path();
  FaultServer server(dir, ACTISCOPE_SERVER_BIN);
  ASSERT_TRUE(server.Start().ok());
  ClientFleetOptions options;
  options.binary = ACTISCOPE_FAULT_CLIENT_BIN;
  options.dir = dir;
  options.prefix = "whole";
  options.server = server.grpc_address();
  options.args = {"--steps=300", "--steps_per_request=8"};
  ClientFleet fleet(options);
  ASSERT_TRUE(fleet.Start().ok());
  absl::StatusOr<std::vector<ClientCounts>> done = fleet.WaitForExit(absl::Seconds(60));
  ASSERT_TRUE(done.ok()) << done.status();
  ASSERT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  ASSERT_TRUE(CheckDatabaseIntegrity(server.db()).ok());

  // A copy of the whole database, cut to half its size.
  const std::string whole = testing::ReadFileOrEmpty(server.db());
  ASSERT_GT(whole.size(), 4096u);
  const std::string truncated = dir + "/truncated.db";
  WriteBytes(truncated, whole.substr(0, whole.size() / 2));
  ExpectRefused(dir, truncated);

  // The whole one is fine, and holds every acknowledged frame.
  ASSERT_TRUE(server.Start().ok()) << server.log();
  absl::StatusOr<FaultTally> tally = fleet.Verify(server.grpc_address(), *done);
  ASSERT_TRUE(tally.ok()) << tally.status();
  tally->Print("d. random-bytes and truncated database refused, files unchanged");
  EXPECT_EQ(tally->acked, (*done)[0].produced);
  EXPECT_EQ(tally->lost, 0u);
  EXPECT_EQ(tally->duplicates, 0u);
  EXPECT_EQ(server.Terminate(absl::Seconds(10)), 0) << server.log();
  std::printf("case d took %.1f s\n", absl::ToDoubleSeconds(absl::Now() - start));
  std::fflush(stdout);
}

}  // namespace
}  // namespace actiscope::faults
