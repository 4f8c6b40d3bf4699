// The collector as its users reach it over a network, with the real binaries: actiscope-server
// with TLS and a tokens file, actiscope-train pushing over grpcs:// with the CA and an ingest
// token, and the `actiscope` CLI reading with a read token from --token_file or
// ACTISCOPE_TOKEN. Each way of getting it wrong (no token, the wrong role, no CA) fails with a
// message that says what to fix, the server never logs a token (over gRPC, HTTP or the login),
// and it refuses a non-loopback address without TLS and tokens in one line.
#include <stdlib.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/testing/temp_dir.h"
#include "common/testing/test_certificates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"
#include "tests/integration/subprocess.h"
#include "tests/integration/train_test_harness.h"

namespace actiscope::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kIngestToken[] = "ingest-token-0123456789abcdef";
constexpr char kReadToken[] = "read-token-0123456789abcdef";

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

class NetworkSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCertificates> certs = MakeTestCertificates(dir_);
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    WriteFile(dir_ + "/tokens", absl::StrCat("# test tokens\n", kIngestToken, " ingest trainer-1\n",
                                             kReadToken, " read viewer\n"));
    WriteFile(dir_ + "/ingest.token", absl::StrCat(kIngestToken, "\n"));
    WriteFile(dir_ + "/read.token", absl::StrCat(kReadToken, "\n"));
  }

  absl::StatusOr<std::unique_ptr<ServerProcess>> StartServer(std::vector<std::string> args) {
    ServerProcessOptions options;
    options.binary = ACTISCOPE_SERVER_BIN;
    options.db = dir_ + "/runs.db";
    options.scratch_dir = dir_;
    options.extra_args = std::move(args);
    return ServerProcess::Start(options);
  }

  std::vector<std::string> SecureArgs() const {
    return {absl::StrCat("--auth_tokens=", dir_, "/tokens"),
            absl::StrCat("--tls_cert=", certs_.server_cert),
            absl::StrCat("--tls_key=", certs_.server_key)};
  }

  CommandOutput Run(std::vector<std::string> argv, absl::Duration timeout = absl::Seconds(60)) {
    absl::StatusOr<CommandOutput> out = RunCommand(argv, dir_, timeout);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? *out : CommandOutput{};
  }

  TempDir temp_dir_{"network_security_test"};
  const std::string dir_ = temp_dir_.path();
  TestCertificates certs_;
};

TEST_F(NetworkSecurityTest, TrainerAndCliWorkOverTlsWithTokensAndMistakesSayWhatToFix) {
  auto server = StartServer(SecureArgs());
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string grpcs = absl::StrCat("grpcs://127.0.0.1:", (*server)->grpc_port());
  const std::string ca = absl::StrCat("--tls_ca=", certs_.ca_cert);

  CommandOutput trained =
      Run({ACTISCOPE_TRAIN_BIN, "--width=4", "--batch_size=16", "--train_limit=320", "--epochs=1",
           "--test_limit=64", "--run_name=over-tls", absl::StrCat("--server=", grpcs), ca,
           absl::StrCat("--token_file=", dir_, "/ingest.token")},
          absl::Seconds(180));
  ASSERT_EQ(trained.exit_status, 0) << trained.out << trained.err;
  auto result = trainer::ParseTrainerOutput(trained.out, trained.err);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(trained.out, HasSubstr(", in spool 0, dropped 0"));
  EXPECT_THAT(trained.out, HasSubstr("http://127.0.0.1:8080/runs/"));

  const std::string server_flag = absl::StrCat("--server=", grpcs);
  CommandOutput shown =
      Run({ACTISCOPE_CLI_BIN, server_flag, ca, absl::StrCat("--token_file=", dir_, "/read.token"),
           "--json", "show", result->run_id});
  ASSERT_EQ(shown.exit_status, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("\"last_step\":19"));

  ASSERT_EQ(setenv("ACTISCOPE_TOKEN", kReadToken, 1), 0);
  CommandOutput from_env = Run({ACTISCOPE_CLI_BIN, server_flag, ca, "runs"});
  unsetenv("ACTISCOPE_TOKEN");
  EXPECT_EQ(from_env.exit_status, 0) << from_env.err;
  EXPECT_THAT(from_env.out, HasSubstr("over-tls"));

  CommandOutput no_token = Run({ACTISCOPE_CLI_BIN, server_flag, ca, "runs"});
  EXPECT_EQ(no_token.exit_status, 1);
  EXPECT_THAT(no_token.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_THAT(no_token.err, HasSubstr("--token_file"));

  CommandOutput wrong_role = Run({ACTISCOPE_CLI_BIN, server_flag, ca,
                                  absl::StrCat("--token_file=", dir_, "/ingest.token"), "runs"});
  EXPECT_EQ(wrong_role.exit_status, 1);
  EXPECT_THAT(wrong_role.err, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(wrong_role.err, HasSubstr("role read or admin"));
  EXPECT_THAT(wrong_role.err, ::testing::Not(HasSubstr(kIngestToken)));

  CommandOutput no_ca =
      Run({ACTISCOPE_CLI_BIN, server_flag, absl::StrCat("--token_file=", dir_, "/read.token"),
           "--timeout=5s", "runs"});
  EXPECT_NE(no_ca.exit_status, 0);
  EXPECT_THAT(no_ca.err, HasSubstr("--tls_ca"));

  CommandOutput plaintext =
      Run({ACTISCOPE_CLI_BIN, absl::StrCat("--server=", (*server)->grpc_address()),
           absl::StrCat("--token_file=", dir_, "/read.token"), "--timeout=5s", "runs"});
  EXPECT_NE(plaintext.exit_status, 0);
  EXPECT_THAT(plaintext.err, HasSubstr("grpcs://"));

  EXPECT_EQ((*server)->Stop(), 0) << (*server)->log();
  EXPECT_THAT((*server)->log(), ::testing::Not(HasSubstr(kReadToken)));
  EXPECT_THAT((*server)->log(), ::testing::Not(HasSubstr(kIngestToken)));
}

TEST_F(NetworkSecurityTest, ANetworkAddressWithoutTlsAndTokensIsRefusedInOneLine) {
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"--grpc_addr=0.0.0.0:0"},
           {"--grpc_addr=0.0.0.0:0", absl::StrCat("--auth_tokens=", dir_, "/tokens")},
           {"--http_addr=0.0.0.0:0", absl::StrCat("--auth_tokens=", dir_, "/tokens")},
           {"--http_addr=0.0.0.0:0", absl::StrCat("--tls_cert=", certs_.server_cert),
            absl::StrCat("--tls_key=", certs_.server_key)},
           {"--grpc_addr=[::]:0", absl::StrCat("--tls_cert=", certs_.server_cert),
            absl::StrCat("--tls_key=", certs_.server_key)}}) {
    std::vector<std::string> argv = {ACTISCOPE_SERVER_BIN, "--grpc_addr=127.0.0.1:0",
                                     "--http_addr=127.0.0.1:0",
                                     absl::StrCat("--db=", dir_, "/refused.db")};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandOutput refused = Run(argv, absl::Seconds(20));
    EXPECT_EQ(refused.exit_status, 1) << args[0];
    EXPECT_THAT(refused.err, HasSubstr("refusing to serve")) << refused.err;
    EXPECT_THAT(refused.err, HasSubstr("--allow_insecure_network"));
    EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  }
  auto trusted = StartServer({"--grpc_addr=0.0.0.0:0", "--allow_insecure_network"});
  ASSERT_TRUE(trusted.ok()) << trusted.status();
  EXPECT_EQ((*trusted)->Stop(), 0);
  auto secure = StartServer({"--grpc_addr=0.0.0.0:0", "--http_addr=0.0.0.0:0", SecureArgs()[0],
                             SecureArgs()[1], SecureArgs()[2]});
  ASSERT_TRUE(secure.ok()) << secure.status();
  // The page and the API over HTTPS on the network address, for a read token only.
  const std::string api = absl::StrCat("https://127.0.0.1:", (*secure)->http_port(), "/api/runs");
  CommandOutput with_token = Run({"/usr/bin/curl", "-sS", "--cacert", certs_.ca_cert, "-H",
                                  absl::StrCat("Authorization: Bearer ", kReadToken), api});
  EXPECT_EQ(with_token.exit_status, 0) << with_token.err;
  EXPECT_EQ(with_token.out, "[]");
  CommandOutput anonymous = Run({"/usr/bin/curl", "-sS", "--cacert", certs_.ca_cert, "-o",
                                 "/dev/null", "-w", "%{http_code}", api});
  EXPECT_EQ(anonymous.out, "401");
  CommandOutput untrusted = Run({"/usr/bin/curl", "-sS", "--cacert", certs_.other_ca_cert, api});
  EXPECT_NE(untrusted.exit_status, 0);
  CommandOutput wrong_role =
      Run({"/usr/bin/curl", "-sS", "--cacert", certs_.ca_cert, "-o", "/dev/null", "-w",
           "%{http_code}", "-H", absl::StrCat("Authorization: Bearer ", kIngestToken), api});
  EXPECT_EQ(wrong_role.out, "403");
  const std::string origin = absl::StrCat("https://127.0.0.1:", (*secure)->http_port());
  CommandOutput login = Run(
      {"/usr/bin/curl", "-sS", "--cacert", certs_.ca_cert, "-o", "/dev/null", "-w", "%{http_code}",
       "-H", absl::StrCat("Origin: ", origin), "-H", "Content-Type: application/json", "--data",
       absl::StrCat(R"({"token": ")", kReadToken, R"("})"), origin + "/login"});
  EXPECT_EQ(login.out, "200") << login.err;
  EXPECT_EQ((*secure)->Stop(), 0);
  // Logins are logged by the token's name; no token used over HTTP reaches the log.
  const std::string log = (*secure)->log();
  EXPECT_THAT(log, HasSubstr("http login by viewer"));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(kReadToken)));
  EXPECT_THAT(log, ::testing::Not(HasSubstr(kIngestToken)));
}

}  // namespace
}  // namespace actiscope::testing
