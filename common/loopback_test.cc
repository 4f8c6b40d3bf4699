#include "common/loopback.h"

#include "gtest/gtest.h"

namespace actiscope {
namespace {

TEST(LoopbackTest, LoopbackHostsAreTheLoopbackNetworksAndLocalhost) {
  for (const char* host :
       {"127.0.0.1", "127.0.0.2", "127.255.0.9", "::1", "localhost", "LocalHost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "10.0.0.5", "128.0.0.1", "::", "fe80::1", "collector.lab",
                           "[::1]", "127.0.0.1:50051", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

}  // namespace
}  // namespace actiscope
