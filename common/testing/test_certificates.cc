#include "common/testing/test_certificates.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace actiscope::testing {
namespace {

// Runs `command` through the shell with stderr folded into stdout; INTERNAL with the output
// when it fails.
absl::Status Run(const std::string& command) {
  FILE* pipe = ::popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  if (pipe == nullptr) return absl::InternalError(absl::StrCat("cannot run: ", command));
  std::string output;
  char buffer[512];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  if (::pclose(pipe) != 0) {
    return absl::InternalError(absl::StrCat("test certificates: `", command, "` failed (is ",
                                            "Debian's openssl installed?): ", output));
  }
  return absl::OkStatus();
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("test certificates: cannot write ", path));
  return absl::OkStatus();
}

// A self-signed CA under dir/NAME.{key,pem}.
absl::Status MakeAuthority(const std::string& dir, const std::string& name) {
  return Run(absl::StrCat("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 ",
                          "-nodes -days 2 -subj /CN=", name, " -keyout ", dir, "/", name,
                          ".key -out ", dir, "/", name, ".pem"));
}

// A key and a certificate for `subject` signed by dir/ca, with the extensions in `extensions`.
absl::Status MakeLeaf(const std::string& dir, const std::string& name, const std::string& subject,
                      const std::string& extensions) {
  const std::string base = absl::StrCat(dir, "/", name);
  ACTISCOPE_RETURN_IF_ERROR(WriteFile(base + ".ext", extensions));
  ACTISCOPE_RETURN_IF_ERROR(
      Run(absl::StrCat("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes ",
                       "-subj /CN=", subject, " -keyout ", base, ".key -out ", base, ".csr")));
  return Run(absl::StrCat("openssl x509 -req -in ", base, ".csr -CA ", dir, "/ca.pem -CAkey ", dir,
                          "/ca.key -CAcreateserial -days 2 -extfile ", base, ".ext -out ", base,
                          ".pem"));
}

}  // namespace

absl::StatusOr<TestCertificates> MakeTestCertificates(const std::string& dir) {
  ACTISCOPE_RETURN_IF_ERROR(MakeAuthority(dir, "ca"));
  ACTISCOPE_RETURN_IF_ERROR(MakeAuthority(dir, "other_ca"));
  ACTISCOPE_RETURN_IF_ERROR(MakeLeaf(dir, "server", "localhost",
                                     "basicConstraints=CA:FALSE\n"
                                     "keyUsage=digitalSignature\n"
                                     "extendedKeyUsage=serverAuth\n"
                                     "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n"));
  ACTISCOPE_RETURN_IF_ERROR(MakeLeaf(dir, "client", "actiscope-test-client",
                                     "basicConstraints=CA:FALSE\n"
                                     "keyUsage=digitalSignature\n"
                                     "extendedKeyUsage=clientAuth\n"));
  TestCertificates certs;
  certs.ca_cert = dir + "/ca.pem";
  certs.server_cert = dir + "/server.pem";
  certs.server_key = dir + "/server.key";
  certs.client_cert = dir + "/client.pem";
  certs.client_key = dir + "/client.key";
  certs.other_ca_cert = dir + "/other_ca.pem";
  return certs;
}

std::string ReadTestFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace actiscope::testing
