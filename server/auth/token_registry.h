// TokenRegistry: who may call actiscope-server. Loaded once from a tokens file (the coming
// --auth_tokens flag of issue 9), it maps a bearer token to the caller's role and name, for the
// edges (server/grpc/, server/http/) to check every call against before anything is read or
// written.
//
// File format, one token per line, fields separated by spaces or tabs; blank lines and lines
// starting with '#' are ignored:
//   TOKEN ROLE NAME
// TOKEN: 16-512 printable ASCII characters without spaces (e.g. `openssl rand -hex 32`);
// ROLE: ingest (StartRun, Push, FinishRun), read (the Query service, the HTTP API and page) or
// admin (everything); NAME: [A-Za-z0-9._@-]{1,64}, what logs and limits call the caller (a
// token itself is never logged).
//
// Lookup compares the presented token against every entry in constant time per entry, so the
// time taken does not tell how much of a token was right.
//
// Thread-safety: immutable after Load; Find may be called from any thread.
#ifndef ACTISCOPE_SERVER_AUTH_TOKEN_REGISTRY_H_
#define ACTISCOPE_SERVER_AUTH_TOKEN_REGISTRY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

enum class Role { kIngest, kRead, kAdmin };

// "ingest", "read" or "admin".
const char* RoleName(Role role);

// Whether a caller with `held` may do what needs `needed` (admin may do everything).
bool RoleAllows(Role held, Role needed);

struct Caller {
  Role role = Role::kRead;
  std::string name;  // The token's NAME from the file.
};

class TokenRegistry {
 public:
  // Reads and checks the file. INVALID_ARGUMENT naming the line for a malformed line, a
  // duplicate token or an empty file (no token at all would lock everyone out); NOT_FOUND /
  // PERMISSION_DENIED when it cannot be read.
  static absl::StatusOr<TokenRegistry> Load(const std::string& path);
  // Parses the file's text (Load without the file); `source` names it in errors.
  static absl::StatusOr<TokenRegistry> Parse(absl::string_view text, absl::string_view source);

  // The caller holding `token`, or nullopt for an unknown token.
  std::optional<Caller> Find(absl::string_view token) const;
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string token;
    Caller caller;
  };
  std::vector<Entry> entries_;
};

// The token of an HTTP `Authorization` header or gRPC `authorization` metadata value of the
// form "Bearer TOKEN" (scheme case-insensitive); nullopt for any other form.
std::optional<absl::string_view> BearerToken(absl::string_view authorization);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_AUTH_TOKEN_REGISTRY_H_
