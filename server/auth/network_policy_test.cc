#include "server/auth/network_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

TEST(NetworkPolicyTest, LoopbackAddressesAndLocalhostAreLoopback) {
  for (const char* address :
       {"127.0.0.1:50051", "127.1.2.3:0", "[::1]:8080", "localhost:1", "LOCALHOST:1", "::1"}) {
    EXPECT_TRUE(IsLoopbackAddress(address)) << address;
  }
  for (const char* address : {"0.0.0.0:50051", "[::]:50051", "10.0.0.5:1", "128.0.0.1:1",
                              "collector.example:1", "[::2]:1", "[::ffff:127.0.0.1]:1", ""}) {
    EXPECT_FALSE(IsLoopbackAddress(address)) << address;
  }
}

TEST(NetworkPolicyTest, ANetworkAddressNeedsTlsAndTokensOrTheOverride) {
  EXPECT_TRUE(CheckListenerProtection("gRPC", "127.0.0.1:50051", {}).ok());
  EXPECT_TRUE(CheckListenerProtection("gRPC", "0.0.0.0:50051", {true, true, false}).ok());
  EXPECT_TRUE(CheckListenerProtection("HTTP", "0.0.0.0:8080", {false, false, true}).ok());
  const absl::Status open = CheckListenerProtection("gRPC", "0.0.0.0:50051", {});
  EXPECT_EQ(open.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(open.message(), HasSubstr("gRPC on 0.0.0.0:50051 without TLS and tokens"));
  EXPECT_THAT(open.message(), HasSubstr("--allow_insecure_network"));
  EXPECT_EQ(open.message().find('\n'), absl::string_view::npos);
  EXPECT_THAT(CheckListenerProtection("HTTP", "[::]:1", {true, false, false}).message(),
              HasSubstr("without tokens"));
  EXPECT_THAT(CheckListenerProtection("HTTP", "10.0.0.5:1", {false, true, false}).message(),
              HasSubstr("without TLS:"));
}

}  // namespace
}  // namespace actiscope::server
