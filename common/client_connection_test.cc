#include "common/client_connection.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/generic/generic_stub.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/grpc_status.h"
#include "common/testing/temp_dir.h"
#include "common/testing/test_certificates.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

using ::actiscope::testing::MakeTestCertificates;
using ::actiscope::testing::ReadTestFile;
using ::actiscope::testing::TempDir;
using ::actiscope::testing::TestCertificates;

ConnectionOptions Address(const std::string& address) {
  ConnectionOptions options;
  options.address = address;
  return options;
}

TEST(ParseEndpointTest, AcceptsEveryDocumentedForm) {
  struct Case {
    std::string address;
    std::string target;
    bool tls;
  };
  for (const Case& c :
       {Case{"127.0.0.1:50051", "127.0.0.1:50051", false},
        Case{"collector.example:443", "collector.example:443", false},
        Case{"[::1]:50051", "[::1]:50051", false}, Case{"grpc://host:1", "host:1", false},
        Case{"http://host:65535/", "host:65535", false},
        Case{"grpcs://host:50051", "host:50051", true},
        Case{"HTTPS://[::1]:8443", "[::1]:8443", true}}) {
    absl::StatusOr<Endpoint> endpoint = ParseEndpoint(Address(c.address));
    ASSERT_TRUE(endpoint.ok()) << c.address << ": " << endpoint.status();
    EXPECT_EQ(endpoint->target, c.target) << c.address;
    EXPECT_EQ(endpoint->tls, c.tls) << c.address;
  }
}

TEST(ParseEndpointTest, RejectsMalformedAddressesListingTheAcceptedForms) {
  for (const char* address :
       {"", "host", ":50051", "host:", "host:0", "host:65536", "host:+1", "host:port", "::1:50051",
        "[::1]50051", "ftp://host:21", "grpcs://host:1/path", "grpcs://", "ho st:1"}) {
    absl::StatusOr<Endpoint> endpoint = ParseEndpoint(Address(address));
    ASSERT_FALSE(endpoint.ok()) << address;
    EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument) << address;
    EXPECT_TRUE(absl::StrContains(endpoint.status().message(), "grpcs://HOST:PORT"))
        << endpoint.status();
    EXPECT_TRUE(absl::StrContains(endpoint.status().message(), absl::StrCat("\"", address, "\"")))
        << endpoint.status();
  }
}

TEST(ParseEndpointTest, ACaOrClientCertificateMakesHostPortUseTls) {
  ConnectionOptions ca = Address("host:1");
  ca.tls_ca_file = "/ca.pem";
  EXPECT_TRUE(ParseEndpoint(ca)->tls);
  ConnectionOptions cert = Address("host:1");
  cert.tls_cert_file = "/client.pem";
  cert.tls_key_file = "/client.key";
  EXPECT_TRUE(ParseEndpoint(cert)->tls);
}

TEST(ParseEndpointTest, RejectsTlsSettingsOnAPlaintextUrlAndACertificateWithoutItsKey) {
  ConnectionOptions plaintext = Address("grpc://host:1");
  plaintext.tls_ca_file = "/ca.pem";
  EXPECT_EQ(ParseEndpoint(plaintext).status().code(), absl::StatusCode::kInvalidArgument);
  ConnectionOptions half = Address("grpcs://host:1");
  half.tls_cert_file = "/client.pem";
  const absl::Status status = ParseEndpoint(half).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), "/client.pem")) << status;
}

TEST(MakeChannelTest, NamesAnUnreadableOrNonPemCaFile) {
  TempDir dir("client_connection_test");
  ConnectionOptions options = Address("grpcs://127.0.0.1:1");
  options.tls_ca_file = dir.path() + "/missing.pem";
  absl::Status status = MakeChannel(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(status.message(), options.tls_ca_file)) << status;

  options.tls_ca_file = dir.path() + "/not.pem";
  std::ofstream(options.tls_ca_file) << "not a certificate\n";
  status = MakeChannel(options).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), options.tls_ca_file)) << status;
}

TEST(MakeChannelTest, RejectsATokenGrpcCannotSend) {
  ConnectionOptions options = Address("127.0.0.1:1");
  options.token = "two words";
  EXPECT_EQ(MakeChannel(options).status().code(), absl::StatusCode::kInvalidArgument);
}

// Sets ACTISCOPE_TOKEN for one test and restores it after.
class ScopedTokenEnvironment {
 public:
  explicit ScopedTokenEnvironment(const char* value) {
    const char* old = getenv(kTokenEnvironmentVariable);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    if (value == nullptr) {
      unsetenv(kTokenEnvironmentVariable);
    } else {
      setenv(kTokenEnvironmentVariable, value, 1);
    }
  }
  ~ScopedTokenEnvironment() {
    if (had_) {
      setenv(kTokenEnvironmentVariable, old_.c_str(), 1);
    } else {
      unsetenv(kTokenEnvironmentVariable);
    }
  }

 private:
  bool had_ = false;
  std::string old_;
};

std::string WriteTokenFile(const std::string& dir, const std::string& text, mode_t mode) {
  const std::string path = dir + "/token";
  std::ofstream(path) << text;
  chmod(path.c_str(), mode);
  return path;
}

TEST(ResolveTokenTest, AFileWinsOverTheEnvironmentAndOnlyItsFirstLineCounts) {
  ScopedTokenEnvironment env("from-environment");
  TempDir dir("client_connection_test");
  const std::string path = WriteTokenFile(dir.path(), "  from-file \nsecond line\n", 0600);
  ::testing::internal::CaptureStderr();
  absl::StatusOr<std::string> token = ResolveToken(path);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "from-file");
}

TEST(ResolveTokenTest, WithoutAFileTheEnvironmentThenNothing) {
  {
    ScopedTokenEnvironment env(" from-environment\n");
    EXPECT_EQ(*ResolveToken(""), "from-environment");
  }
  ScopedTokenEnvironment env(nullptr);
  EXPECT_EQ(*ResolveToken(""), "");
}

TEST(ResolveTokenTest, AMissingOrEmptyFileIsAnErrorNamingIt) {
  TempDir dir("client_connection_test");
  const std::string missing = dir.path() + "/missing";
  absl::Status status = ResolveToken(missing).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(status.message(), missing)) << status;

  const std::string empty = WriteTokenFile(dir.path(), "\n", 0600);
  status = ResolveToken(empty).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(status.message(), empty)) << status;
}

TEST(ResolveTokenTest, WarnsWhenOthersMayReadTheFile) {
  TempDir dir("client_connection_test");
  const std::string path = WriteTokenFile(dir.path(), "shared-token\n", 0644);
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(*ResolveToken(path), "shared-token");
  const std::string warning = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(absl::StrContains(warning, "chmod 600 " + path)) << warning;
}

TEST(ExplainConnectionErrorTest, AddsAHintToAuthenticationAndTlsFailuresOnly) {
  ConnectionOptions options = Address("127.0.0.1:1");
  const absl::Status unauthenticated =
      ExplainConnectionError(absl::UnauthenticatedError("StartRun r: no token"), options);
  EXPECT_EQ(unauthenticated.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StartsWith(unauthenticated.message(), "StartRun r: no token; "));
  EXPECT_TRUE(absl::StrContains(unauthenticated.message(), "--token_file=FILE")) << unauthenticated;
  EXPECT_TRUE(absl::StrContains(unauthenticated.message(), "ACTISCOPE_TOKEN")) << unauthenticated;

  const absl::Status denied =
      ExplainConnectionError(absl::PermissionDeniedError("Push: role read"), options);
  EXPECT_TRUE(absl::StrContains(denied.message(), "role ingest or admin")) << denied;

  const absl::Status not_found = absl::NotFoundError("no run");
  EXPECT_EQ(ExplainConnectionError(not_found, options), not_found);

  options.address = "grpcs://127.0.0.1:1";
  const absl::Status tls = ExplainConnectionError(absl::UnavailableError("down"), options);
  EXPECT_TRUE(absl::StrContains(tls.message(), "TLS handshake or connection failed")) << tls;
}

// A server answering every method: OK when the call carried `authorization` metadata (which it
// records), UNAUTHENTICATED otherwise.
class RecordingService : public grpc::CallbackGenericService {
 public:
  grpc::ServerGenericBidiReactor* CreateReactor(
      grpc::GenericCallbackServerContext* context) override {
    const auto& metadata = context->client_metadata();
    const auto it = metadata.find("authorization");
    const bool found = it != metadata.end();
    {
      absl::MutexLock lock(&mu_);
      authorization_ = found ? std::string(it->second.data(), it->second.size()) : "";
    }
    class Reactor : public grpc::ServerGenericBidiReactor {
     public:
      explicit Reactor(bool authorized) {
        Finish(authorized ? grpc::Status::OK
                          : grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no token"));
      }
      void OnDone() override { delete this; }
    };
    return new Reactor(found);
  }

  std::string authorization() {
    absl::MutexLock lock(&mu_);
    return authorization_;
  }

 private:
  absl::Mutex mu_;
  std::string authorization_ ABSL_GUARDED_BY(mu_);
};

class TestServer {
 public:
  // Plaintext when `certs` is null; with `require_client_cert`, mutual TLS.
  explicit TestServer(const TestCertificates* certs, bool require_client_cert = false) {
    std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
    if (certs != nullptr) {
      grpc::SslServerCredentialsOptions ssl;
      ssl.pem_key_cert_pairs.push_back(
          {ReadTestFile(certs->server_key), ReadTestFile(certs->server_cert)});
      if (require_client_cert) {
        ssl.pem_root_certs = ReadTestFile(certs->ca_cert);
        ssl.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
      }
      credentials = grpc::SslServerCredentials(ssl);
    }
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", credentials, &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~TestServer() { server_->Shutdown(); }

  int port() const { return port_; }
  RecordingService& service() { return service_; }

 private:
  RecordingService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// One unary call over `options`' channel with the token attached, as every client makes it.
absl::Status Call(const ConnectionOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  grpc::GenericStub stub(*channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  AttachToken(options.token, &context);
  grpc::Slice payload("ping");  // An empty ByteBuffer is not a valid message.
  grpc::ByteBuffer request(&payload, 1), response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, "/test.Test/Call", grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return ExplainConnectionError(FromGrpcStatus(status, "Call"), options);
}

TEST(AttachTokenTest, TheServerSeesABearerToken) {
  TestServer server(nullptr);
  ConnectionOptions options = Address(absl::StrCat("127.0.0.1:", server.port()));
  options.token = "s3cret-token";
  ASSERT_TRUE(Call(options).ok());
  EXPECT_EQ(server.service().authorization(), "Bearer s3cret-token");

  options.token.clear();
  const absl::Status status = Call(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(status.message(), "ACTISCOPE_TOKEN")) << status;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCertificates> certs = MakeTestCertificates(dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status();
    certs_ = *certs;
    server_ = std::make_unique<TestServer>(&certs_);
  }

  TempDir dir_{"client_connection_test"};
  TestCertificates certs_;
  std::unique_ptr<TestServer> server_;
};

TEST_F(TlsTest, ATrustedCaConnectsAndCarriesTheToken) {
  for (const std::string& address : {absl::StrCat("127.0.0.1:", server_->port()),
                                     absl::StrCat("grpcs://127.0.0.1:", server_->port())}) {
    ConnectionOptions options = Address(address);
    options.tls_ca_file = certs_.ca_cert;
    options.token = "tls-token";
    const absl::Status status = Call(options);
    EXPECT_TRUE(status.ok()) << address << ": " << status;
    EXPECT_EQ(server_->service().authorization(), "Bearer tls-token");
  }
}

TEST_F(TlsTest, AnotherCaFailsWithTheTlsHint) {
  ConnectionOptions options = Address(absl::StrCat("grpcs://127.0.0.1:", server_->port()));
  options.tls_ca_file = certs_.other_ca_cert;
  const absl::Status status = Call(options);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "TLS handshake or connection failed")) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), certs_.other_ca_cert)) << status;
}

TEST_F(TlsTest, PlaintextToATlsServerFailsWithTheTlsSuggestion) {
  const absl::Status status = Call(Address(absl::StrCat("127.0.0.1:", server_->port())));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(status.message(), "grpcs://")) << status;
}

TEST_F(TlsTest, AClientCertificateSatisfiesAServerThatRequiresOne) {
  TestServer mutual(&certs_, /*require_client_cert=*/true);
  ConnectionOptions options = Address(absl::StrCat("127.0.0.1:", mutual.port()));
  options.tls_ca_file = certs_.ca_cert;
  EXPECT_EQ(Call(options).code(), absl::StatusCode::kUnavailable);
  options.tls_cert_file = certs_.client_cert;
  options.tls_key_file = certs_.client_key;
  options.token = "mutual-token";
  const absl::Status status = Call(options);
  EXPECT_TRUE(status.ok()) << status;
}

}  // namespace
}  // namespace actiscope
