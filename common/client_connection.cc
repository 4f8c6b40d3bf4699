#include "common/client_connection.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "common/status_macros.h"

namespace actiscope {
namespace {

constexpr char kAcceptedForms[] =
    "expected HOST:PORT, grpc://HOST:PORT or http://HOST:PORT (plaintext), or grpcs://HOST:PORT "
    "or https://HOST:PORT (TLS), with an IPv6 HOST in brackets ([::1]:50051)";

constexpr int kKeepaliveTimeMs = 30000;
constexpr int kKeepaliveTimeoutMs = 10000;

absl::Status Malformed(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("server address \"", address, "\": ", why, "; ", kAcceptedForms));
}

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsIpv6Char(char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; }

// Checks "HOST:PORT" (no scheme). `address` is the whole text, for the message.
absl::Status CheckHostPort(absl::string_view host_port, absl::string_view address) {
  absl::string_view host, port;
  if (absl::StartsWith(host_port, "[")) {
    const size_t close = host_port.find(']');
    if (close == absl::string_view::npos || host_port.substr(close + 1, 1) != ":") {
      return Malformed(address, "an IPv6 host must be [ADDRESS]:PORT");
    }
    host = host_port.substr(1, close - 1);
    port = host_port.substr(close + 2);
    for (char c : host) {
      if (!IsIpv6Char(c)) return Malformed(address, "invalid IPv6 host");
    }
  } else {
    const size_t colon = host_port.rfind(':');
    if (colon == absl::string_view::npos) return Malformed(address, "no port");
    host = host_port.substr(0, colon);
    port = host_port.substr(colon + 1);
    for (char c : host) {
      if (c == ':') return Malformed(address, "put an IPv6 host in brackets");
      if (!IsHostChar(c)) return Malformed(address, "invalid character in the host");
    }
  }
  if (host.empty()) return Malformed(address, "no host");
  int port_number = 0;
  if (port.empty() || !absl::SimpleAtoi(port, &port_number) || port_number < 1 ||
      port_number > 65535 || !absl::ascii_isdigit(port.front())) {
    return Malformed(address, "the port must be a number from 1 to 65535");
  }
  return absl::OkStatus();
}

// The first line of `path`, trimmed; `what` names the file's role in errors.
absl::StatusOr<std::string> ReadFile(const std::string& path, absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot read ", what, " ", path));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", what, " ", path));
  return text.str();
}

absl::StatusOr<std::string> ReadPem(const std::string& path, absl::string_view what) {
  ACTISCOPE_ASSIGN_OR_RETURN(std::string pem, ReadFile(path, what));
  if (!absl::StrContains(pem, "-----BEGIN ")) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, " holds no PEM block (-----BEGIN ...): give a PEM file"));
  }
  return pem;
}

// Printable ASCII without spaces: what gRPC metadata and the server's token file accept.
absl::Status CheckToken(absl::string_view token, absl::string_view source) {
  for (char c : token) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(
          absl::StrCat(source,
                       ": a token must be printable ASCII without spaces (e.g. from `openssl rand "
                       "-hex 32`)"));
    }
  }
  return absl::OkStatus();
}

void WarnIfShared(const std::string& token_file) {
  struct stat st;
  if (::stat(token_file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  std::fprintf(stderr,
               "actiscope: warning: token file %s can be read by group or others (mode %03o): "
               "run chmod 600 %s\n",
               token_file.c_str(), static_cast<unsigned>(st.st_mode & 0777), token_file.c_str());
}

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(const ConnectionOptions& options) {
  const std::string& address = options.address;
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a client certificate needs both its certificate and its key file, got only the ",
        options.tls_cert_file.empty() ? "key " + options.tls_key_file
                                      : "certificate " + options.tls_cert_file));
  }
  const bool tls_configured = !options.tls_ca_file.empty() || !options.tls_cert_file.empty();
  Endpoint endpoint;
  absl::string_view rest = address;
  const size_t scheme_end = rest.find("://");
  if (scheme_end == absl::string_view::npos) {
    endpoint.tls = tls_configured;
  } else {
    const std::string scheme = absl::AsciiStrToLower(rest.substr(0, scheme_end));
    if (scheme == "grpcs" || scheme == "https") {
      endpoint.tls = true;
    } else if (scheme == "grpc" || scheme == "http") {
      if (tls_configured) {
        return absl::InvalidArgumentError(
            absl::StrCat("server address \"", address,
                         "\" asks for plaintext but a TLS CA or client certificate is set: use "
                         "grpcs://HOST:PORT, or leave the TLS settings out"));
      }
    } else {
      return Malformed(address, absl::StrCat("unknown scheme \"", scheme, "\""));
    }
    rest.remove_prefix(scheme_end + 3);
    absl::ConsumeSuffix(&rest, "/");
    if (absl::StrContains(rest, "/")) return Malformed(address, "a path is not allowed");
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckHostPort(rest, address));
  endpoint.target = std::string(rest);
  return endpoint;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(const ConnectionOptions& options,
                                                           grpc::ChannelArguments args) {
  ACTISCOPE_ASSIGN_OR_RETURN(const Endpoint endpoint, ParseEndpoint(options));
  ACTISCOPE_RETURN_IF_ERROR(CheckToken(options.token, "token"));
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (endpoint.tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.tls_ca_file.empty()) {
      ACTISCOPE_ASSIGN_OR_RETURN(ssl.pem_root_certs, ReadPem(options.tls_ca_file, "TLS CA file"));
    }
    if (!options.tls_cert_file.empty()) {
      ACTISCOPE_ASSIGN_OR_RETURN(ssl.pem_cert_chain,
                                 ReadPem(options.tls_cert_file, "TLS client certificate file"));
      ACTISCOPE_ASSIGN_OR_RETURN(ssl.pem_private_key,
                                 ReadPem(options.tls_key_file, "TLS client key file"));
    }
    credentials = grpc::SslCredentials(ssl);
  }
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  return grpc::CreateCustomChannel(endpoint.target, credentials, args);
}

void AttachToken(const std::string& token, grpc::ClientContext* context) {
  if (!token.empty()) context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
}

absl::StatusOr<std::string> ResolveToken(const std::string& token_file) {
  if (token_file.empty()) {
    const char* env = std::getenv(kTokenEnvironmentVariable);
    const std::string token(absl::StripAsciiWhitespace(env == nullptr ? "" : env));
    ACTISCOPE_RETURN_IF_ERROR(CheckToken(token, kTokenEnvironmentVariable));
    return token;
  }
  ACTISCOPE_ASSIGN_OR_RETURN(const std::string text, ReadFile(token_file, "token file"));
  const std::string token(absl::StripAsciiWhitespace(
      absl::string_view(text).substr(0, std::min(text.find('\n'), text.size()))));
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("token file ", token_file, " has no token: put it on the first line"));
  }
  ACTISCOPE_RETURN_IF_ERROR(CheckToken(token, absl::StrCat("token file ", token_file)));
  WarnIfShared(token_file);
  return token;
}

absl::Status ExplainConnectionError(const absl::Status& status, const ConnectionOptions& options) {
  std::string hint;
  switch (status.code()) {
    case absl::StatusCode::kUnauthenticated:
      hint = options.token.empty()
                 ? "the collector requires a token and none was sent: pass --token_file=FILE or "
                   "set ACTISCOPE_TOKEN"
                 : "the collector did not accept the token: pass a token listed in the server's "
                   "--auth_tokens file with --token_file=FILE or ACTISCOPE_TOKEN";
      break;
    case absl::StatusCode::kPermissionDenied:
      hint =
          "the token's role does not allow this call: StartRun, Push and FinishRun need role "
          "ingest or admin, queries need role read or admin";
      break;
    case absl::StatusCode::kUnavailable: {
      absl::StatusOr<Endpoint> endpoint = ParseEndpoint(options);
      if (!endpoint.ok()) return status;
      if (!endpoint->tls) {
        hint = "if the server serves TLS, use grpcs://HOST:PORT or pass --tls_ca=PEM";
      } else if (options.tls_ca_file.empty()) {
        hint =
            "TLS handshake or connection failed: check that the server serves TLS on this port "
            "and that a CA in the system's roots signed its certificate, or pass --tls_ca=PEM "
            "naming the CA that did";
      } else {
        hint = absl::StrCat(
            "TLS handshake or connection failed: check that the server serves TLS on this port, "
            "that --tls_ca (",
            options.tls_ca_file,
            ") names the CA that signed the server's certificate, and that the certificate "
            "covers the host in the address");
      }
      break;
    }
    default:
      return status;
  }
  return absl::Status(status.code(), absl::StrCat(status.message(), "; ", hint));
}

}  // namespace actiscope
