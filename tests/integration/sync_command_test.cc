// `actiscope sync DIR` end to end: a spool written with the client library's spool writer (as
// an offline or killed trainer leaves it) is delivered by the CLI to a real actiscope-server,
// and the frames can then be read back from it; a server with --auth_tokens takes it only with
// an ingest token.
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/run_spec.h"
#include "client/spool.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "proto/histogram_codec.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"

namespace actiscope::cli {
namespace {

using ::actiscope::testing::TempDir;

using actiscope::testing::CommandOutput;
using actiscope::testing::RunCommand;
using actiscope::testing::ServerProcess;

constexpr int kSteps = 5;
constexpr int kLayers = 2;
constexpr char kRunId[] = "sync-test";

v1::PushRequest StepRequest(int64_t step, uint64_t sequence) {
  codec::FrameBatchBuilder builder;
  for (int layer = 0; layer < kLayers; ++layer) {
    v1::Frame frame;
    frame.set_layer(absl::StrCat("layer", layer));
    frame.set_kind(v1::KIND_ACTIVATION);
    frame.set_step(step);
    frame.mutable_layout()->set_scale(v1::BIN_SCALE_LINEAR);
    frame.mutable_layout()->set_bins(4);
    frame.mutable_layout()->set_lo(-1);
    frame.mutable_layout()->set_hi(1);
    const std::vector<uint64_t> counts = {1, static_cast<uint64_t>(step), 3, 4};
    frame.mutable_stats()->set_elements(8 + step);
    builder.AddFrame(std::move(frame), counts);
  }
  v1::PushRequest request;
  request.set_run_id(kRunId);
  request.set_sequence(sequence);
  request.set_zstd_batch(codec::CompressBatch(builder.Take()));
  return request;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

class SyncCommandTest : public ::testing::Test {
 protected:
  void SetUp() override { spool_dir_ = dir_ + "/spool"; }

  // Writes kSteps requests of kLayers frames into the spool, as an offline reporter would.
  void WriteSpool() {
    client::RunOptions options;
    options.run_id = kRunId;
    options.name = "sync";
    absl::StatusOr<v1::RunSpec> run = client::MakeRunSpec(options, absl::Now());
    ASSERT_TRUE(run.ok()) << run.status();
    absl::StatusOr<std::unique_ptr<client::Spool>> spool =
        client::Spool::Open(spool_dir_, size_t{1} << 20);
    ASSERT_TRUE(spool.ok()) << spool.status();
    for (int step = 0; step < kSteps; ++step) {
      ASSERT_TRUE((*spool)->Append(*run, StepRequest(step, step + 1), kLayers).ok());
    }
    (*spool)->Seal();
  }

  CommandOutput Cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {ACTISCOPE_CLI_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<CommandOutput> out = RunCommand(argv, dir_, absl::Seconds(60));
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : CommandOutput{};
  }

  TempDir temp_dir_{"sync_command_test"};
  const std::string dir_ = temp_dir_.path();
  std::string spool_dir_;
};

TEST_F(SyncCommandTest, DeliversASpoolToTheServerAndEmptiesIt) {
  WriteSpool();
  actiscope::testing::ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir_ + "/a.db";
  options.scratch_dir = dir_;
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string flag = absl::StrCat("--server=", (*server)->grpc_address());

  const CommandOutput sync = Cli({flag, "--json", "sync", spool_dir_});
  ASSERT_EQ(sync.exit_status, 0) << sync.err;
  EXPECT_NE(sync.out.find(absl::StrCat("\"frames_delivered\":", kSteps * kLayers)),
            std::string::npos)
      << sync.out;

  const CommandOutput show = Cli({flag, "--json", "show", kRunId});
  ASSERT_EQ(show.exit_status, 0) << show.err;
  EXPECT_NE(show.out.find(absl::StrCat("\"last_step\":", kSteps - 1)), std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("\"layer1\""), std::string::npos) << show.out;
  for (const auto& entry : std::filesystem::directory_iterator(spool_dir_)) {
    ADD_FAILURE() << "left in the spool: " << entry.path();
  }

  // A second sync finds nothing to send.
  const CommandOutput again = Cli({flag, "sync", spool_dir_});
  ASSERT_EQ(again.exit_status, 0) << again.err;
  EXPECT_TRUE(absl::StartsWith(again.out, "delivered 0 frames")) << again.out;
}

TEST_F(SyncCommandTest, WithTokensTheSpoolIsDeliveredOnlyWithAnIngestToken) {
  constexpr char kIngestToken[] = "ingest-token-0123456789abcdef";
  constexpr char kReadToken[] = "read-token-0123456789abcdef";
  WriteSpool();
  WriteFile(dir_ + "/tokens",
            absl::StrCat(kIngestToken, " ingest offline-node\n", kReadToken, " read viewer\n"));
  WriteFile(dir_ + "/ingest.token", absl::StrCat(kIngestToken, "\n"));
  WriteFile(dir_ + "/read.token", absl::StrCat(kReadToken, "\n"));
  actiscope::testing::ServerProcessOptions options;
  options.binary = ACTISCOPE_SERVER_BIN;
  options.db = dir_ + "/a.db";
  options.scratch_dir = dir_;
  options.extra_args = {absl::StrCat("--auth_tokens=", dir_, "/tokens")};
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string flag = absl::StrCat("--server=", (*server)->grpc_address());
  const std::string read_token = absl::StrCat("--token_file=", dir_, "/read.token");

  const CommandOutput refused = Cli({flag, "--timeout=3s", "sync", spool_dir_});
  EXPECT_EQ(refused.exit_status, 1);
  EXPECT_TRUE(absl::StrContains(refused.err, "(UNAUTHENTICATED)")) << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, "--token_file=FILE or ACTISCOPE_TOKEN"))
      << refused.err;
  EXPECT_TRUE(absl::StrContains(refused.err, absl::StrCat(kSteps * kLayers, " still in the spool")))
      << refused.err;
  const CommandOutput nothing = Cli({flag, read_token, "show", kRunId});
  EXPECT_EQ(nothing.exit_status, 1);
  EXPECT_TRUE(absl::StrContains(nothing.err, "(NOT_FOUND)")) << nothing.err;

  const CommandOutput sync = Cli(
      {flag, absl::StrCat("--token_file=", dir_, "/ingest.token"), "--json", "sync", spool_dir_});
  ASSERT_EQ(sync.exit_status, 0) << sync.err;
  EXPECT_TRUE(absl::StrContains(sync.out, absl::StrCat("\"frames_delivered\":", kSteps * kLayers)))
      << sync.out;
  const CommandOutput show = Cli({flag, read_token, "--json", "show", kRunId});
  ASSERT_EQ(show.exit_status, 0) << show.err;
  EXPECT_TRUE(absl::StrContains(show.out, absl::StrCat("\"last_step\":", kSteps - 1))) << show.out;
  EXPECT_TRUE(std::filesystem::is_empty(spool_dir_));
}

TEST_F(SyncCommandTest, MissingDirectoryIsNotFound) {
  const CommandOutput sync = Cli({"--server=127.0.0.1:1", "sync", dir_ + "/nope"});
  EXPECT_EQ(sync.exit_status, 1);
  EXPECT_TRUE(absl::StrContains(sync.err, "(NOT_FOUND)")) << sync.err;
}

}  // namespace
}  // namespace actiscope::cli
