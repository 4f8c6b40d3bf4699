#include "server/http/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"

namespace actiscope::server {
namespace {

// OpenSSL's queued errors as text (and clears the queue).
std::string OpenSslErrors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    absl::StrAppend(&text, text.empty() ? "" : "; ", buffer);
  }
  return text.empty() ? "unknown OpenSSL error" : text;
}

absl::Status CheckReadable(const std::string& path, const char* what) {
  if (std::ifstream(path).good()) return absl::OkStatus();
  return absl::NotFoundError(absl::StrCat(what, ": cannot open \"", path,
                                          "\"; check the path and that the server may read it"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TlsContext>> TlsContext::Load(const std::string& cert_file,
                                                             const std::string& key_file) {
  if (absl::Status s = CheckReadable(cert_file, "tls certificate"); !s.ok()) return s;
  if (absl::Status s = CheckReadable(key_file, "tls key"); !s.ok()) return s;
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return absl::InternalError("tls: " + OpenSslErrors());
  std::unique_ptr<TlsContext> context(new TlsContext(ctx));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls certificate \"", cert_file, "\": not a PEM certificate chain: ", OpenSslErrors()));
  }
  FILE* key_stream = std::fopen(key_file.c_str(), "r");
  EVP_PKEY* key =
      key_stream == nullptr ? nullptr : PEM_read_PrivateKey(key_stream, nullptr, nullptr, nullptr);
  if (key_stream != nullptr) std::fclose(key_stream);
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tls key \"", key_file, "\": not an unencrypted PEM private key: ", OpenSslErrors()));
  }
  const bool used = SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
  EVP_PKEY_free(key);
  if (!used) {
    return absl::InvalidArgumentError(absl::StrCat("tls key \"", key_file,
                                                   "\" does not match the certificate \"",
                                                   cert_file, "\": ", OpenSslErrors()));
  }
  return context;
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

SSL* TlsContext::NewConnection() const { return SSL_new(ctx_); }

}  // namespace actiscope::server
