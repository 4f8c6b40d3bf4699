#include "server/http/host_check.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

TEST(HostCheckTest, IpLiteralsAndLocalhostAreAlwaysAllowed) {
  const std::vector<std::string> none;
  for (const char* host : {"127.0.0.1", "127.0.0.1:8080", "10.1.2.3:443", "[::1]", "[::1]:8080",
                           "[fe80::1]:80", "localhost", "LOCALHOST:8080"}) {
    EXPECT_TRUE(CheckHost(host, none).ok()) << host;
  }
}

TEST(HostCheckTest, OtherNamesNeedTheAllowlistComparedWithoutPortOrCase) {
  const std::vector<std::string> allowed = {"collector.lab.example"};
  EXPECT_TRUE(CheckHost("collector.lab.example", allowed).ok());
  EXPECT_TRUE(CheckHost("Collector.Lab.Example:8443", allowed).ok());
  absl::Status rebound = CheckHost("attacker.example:8080", allowed);
  EXPECT_EQ(rebound.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(rebound.message(), HasSubstr("--http_allowed_hosts=attacker.example"));
  EXPECT_EQ(CheckHost("collector.lab.example.attacker.example", allowed).code(),
            absl::StatusCode::kPermissionDenied);
  // A name in brackets is not an IPv6 literal, whatever the allowlist says.
  EXPECT_FALSE(CheckHost("[collector.lab.example]", allowed).ok());
}

TEST(HostCheckTest, MalformedHostHeadersAreInvalid) {
  const std::vector<std::string> allowed = {"a"};
  for (const char* host : {"", "[::1", "[::1]x", "[::1]:", "a:", "a:port", "a:99999", ":80"}) {
    EXPECT_EQ(CheckHost(host, allowed).code(), absl::StatusCode::kInvalidArgument) << host;
  }
  EXPECT_EQ(CheckHost(std::string(300, 'a'), allowed).code(), absl::StatusCode::kInvalidArgument);
  // Not an IPv4 literal: it is a name, and not listed.
  EXPECT_EQ(CheckHost("127.0.0.1.nip.io", {}).code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace actiscope::server
