#include "common/testing/test_certificates.h"

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"

namespace actiscope::testing {
namespace {

// Whether `openssl verify` accepts `cert` against `ca` for `purpose`.
bool Verifies(const std::string& ca, const std::string& cert, const std::string& purpose) {
  const std::string command = absl::StrCat("openssl verify -purpose ", purpose, " -CAfile ", ca,
                                           " ", cert, " >/dev/null 2>&1");
  return std::system(command.c_str()) == 0;
}

TEST(TestCertificatesTest, ServerAndClientCertificatesChainToTheCaOnly) {
  TempDir dir("certs_test");
  absl::StatusOr<TestCertificates> certs = MakeTestCertificates(dir.path());
  ASSERT_TRUE(certs.ok()) << certs.status();
  EXPECT_TRUE(Verifies(certs->ca_cert, certs->server_cert, "sslserver"));
  EXPECT_TRUE(Verifies(certs->ca_cert, certs->client_cert, "sslclient"));
  EXPECT_FALSE(Verifies(certs->other_ca_cert, certs->server_cert, "sslserver"));
  EXPECT_FALSE(Verifies(certs->ca_cert, certs->server_cert, "sslclient"));
  EXPECT_TRUE(absl::StrContains(ReadTestFile(certs->server_key), "PRIVATE KEY"));
  EXPECT_TRUE(absl::StrContains(ReadTestFile(certs->client_key), "PRIVATE KEY"));
}

}  // namespace
}  // namespace actiscope::testing
