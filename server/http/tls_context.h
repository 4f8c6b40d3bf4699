// TlsContext: the OpenSSL server context behind HTTPS (--tls_cert / --tls_key): a PEM
// certificate chain and its private key, TLS 1.2 or newer. HttpServer loads it at Start and
// HardenedServer (server/http/hardened_server.h) makes each connection's SSL from it.
//
// Thread-safety: immutable after Load; NewConnection may be called from any thread.
#ifndef ACTISCOPE_SERVER_HTTP_TLS_CONTEXT_H_
#define ACTISCOPE_SERVER_HTTP_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace actiscope::server {

class TlsContext {
 public:
  // NOT_FOUND naming the file when a file cannot be opened; INVALID_ARGUMENT naming the file
  // when it holds no usable certificate chain or key, or when the key does not match.
  static absl::StatusOr<std::unique_ptr<TlsContext>> Load(const std::string& cert_file,
                                                          const std::string& key_file);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // A new SSL object in server mode, owned by the caller (SSL_free); null when out of memory.
  SSL* NewConnection() const;

 private:
  explicit TlsContext(SSL_CTX* ctx) : ctx_(ctx) {}
  SSL_CTX* ctx_;
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_TLS_CONTEXT_H_
