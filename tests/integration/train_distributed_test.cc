// Two ranks of actiscope-train on loopback (c10d TCPStore + Gloo) against a real
// actiscope-server: both report into one run, the server stores each rank's frames, and the
// all-reduced gradients keep the ranks' parameters identical.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::trainer {
namespace {

using ::actiscope::testing::TempDir;

using ::actiscope::testing::ServerProcess;
using ::actiscope::testing::Subprocess;

constexpr int kSteps = 20;

// A port the OS considers free right now (bound to port 0 and read back).
int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(TrainDistributedTest, TwoRanksShareOneRunStoreBothRanksAndAgreeOnParameters) {
  TempDir temp_dir("train_distributed_test");
  const std::string dir = temp_dir.path();
  testing::ServerProcessOptions server_options;
  server_options.binary = ACTISCOPE_SERVER_BIN;
  server_options.db = dir + "/runs.db";
  server_options.scratch_dir = dir;
  auto server = ServerProcess::Start(server_options);
  ASSERT_TRUE(server.ok()) << server.status();
  const int master_port = FreePort();

  std::vector<std::unique_ptr<Subprocess>> ranks;
  for (int rank = 0; rank < 2; ++rank) {
    auto process = Subprocess::Start(
        {ACTISCOPE_TRAIN_BIN, "--width=4", "--batch_size=16", "--train_limit=1024",
         "--test_limit=200", absl::StrCat("--max_steps=", kSteps), "--run_name=two-ranks",
         "--kinds=activation,gradient", absl::StrCat("--server=", (*server)->grpc_address()),
         "--world_size=2", absl::StrCat("--rank=", rank), "--master_addr=127.0.0.1",
         absl::StrCat("--master_port=", master_port)},
        absl::StrCat(dir, "/rank", rank, ".out"), absl::StrCat(dir, "/rank", rank, ".err"));
    ASSERT_TRUE(process.ok()) << process.status();
    ranks.push_back(*std::move(process));
  }
  std::vector<TrainerOutput> outputs;
  for (int rank = 0; rank < 2; ++rank) {
    auto exit_status = ranks[rank]->Wait(absl::Seconds(120));
    const std::string out = testing::ReadFileOrEmpty(absl::StrCat(dir, "/rank", rank, ".out"));
    const std::string err = testing::ReadFileOrEmpty(absl::StrCat(dir, "/rank", rank, ".err"));
    ASSERT_TRUE(exit_status.ok() && *exit_status == 0) << "rank " << rank << "\n" << out << err;
    auto parsed = ParseTrainerOutput(out, err);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    outputs.push_back(*parsed);
  }
  EXPECT_EQ(outputs[0].run_id, outputs[1].run_id);
  EXPECT_EQ(outputs[0].parameter_checksum, outputs[1].parameter_checksum);

  const std::string address = (*server)->grpc_address();
  auto run = FetchRun(address, outputs[0].run_id);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->run().world_size(), 2u);
  EXPECT_EQ(run->run().config().at("world_size"), "2");
  for (uint32_t rank = 0; rank < 2; ++rank) {
    for (v1::Kind kind : {v1::KIND_ACTIVATION, v1::KIND_GRADIENT}) {
      auto heatmap = FetchHeatmap(address, outputs[0].run_id, "conv3_x", kind, rank);
      ASSERT_TRUE(heatmap.ok()) << heatmap.status();
      EXPECT_EQ(heatmap->columns_size(), kSteps) << "rank " << rank << " kind " << kind;
    }
  }
  auto merged = FetchHeatmap(address, outputs[0].run_id, "conv1", v1::KIND_ACTIVATION);
  ASSERT_TRUE(merged.ok()) << merged.status();
  ASSERT_EQ(merged->columns_size(), kSteps);
  EXPECT_EQ(merged->columns(0).histograms(), 2u);
  (*server)->Stop();
}

}  // namespace
}  // namespace actiscope::trainer
