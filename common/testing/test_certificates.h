// Test support for TLS: a throwaway certificate authority and certificates signed by it, made
// with the `openssl` command-line tool (Debian's openssl package) in a directory the test owns.
// Tests of the gRPC and HTTP edges and of the clients use it to run real TLS and mutual TLS on
// 127.0.0.1. Test code only.
//
// Example:
//   TempDir dir("tls_test");
//   absl::StatusOr<TestCertificates> certs = MakeTestCertificates(dir.path());
//   ASSERT_TRUE(certs.ok()) << certs.status();
//   options.tls_cert_file = certs->server_cert;
#ifndef ACTISCOPE_COMMON_TESTING_TEST_CERTIFICATES_H_
#define ACTISCOPE_COMMON_TESTING_TEST_CERTIFICATES_H_

#include <string>

#include "absl/status/statusor.h"

namespace actiscope::testing {

// Paths of PEM files. The server certificate is valid for 127.0.0.1, ::1 and localhost; the
// client certificate (CN actiscope-test-client) is for mutual TLS; both are signed by ca_cert.
// other_ca_cert is an unrelated authority that signed nothing here: a client trusting only it
// must fail to verify the server.
struct TestCertificates {
  std::string ca_cert;
  std::string server_cert;
  std::string server_key;
  std::string client_cert;
  std::string client_key;
  std::string other_ca_cert;
};

// Makes the files under `dir` (which must exist). INTERNAL with openssl's output when a command
// fails, e.g. when openssl is not installed.
absl::StatusOr<TestCertificates> MakeTestCertificates(const std::string& dir);

// The whole content of `path`; empty when it cannot be read.
std::string ReadTestFile(const std::string& path);

}  // namespace actiscope::testing

#endif  // ACTISCOPE_COMMON_TESTING_TEST_CERTIFICATES_H_
