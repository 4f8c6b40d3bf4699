#include "server/auth/token_registry.h"

#include <openssl/crypto.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace actiscope::server {
namespace {

constexpr size_t kMinTokenBytes = 16;
constexpr size_t kMaxTokenBytes = 512;
constexpr size_t kMaxNameBytes = 64;

bool ValidToken(absl::string_view token) {
  if (token.size() < kMinTokenBytes || token.size() > kMaxTokenBytes) return false;
  for (char c : token) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '@' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

std::optional<Role> ParseRole(absl::string_view role) {
  if (role == "ingest") return Role::kIngest;
  if (role == "read") return Role::kRead;
  if (role == "admin") return Role::kAdmin;
  return std::nullopt;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kIngest:
      return "ingest";
    case Role::kRead:
      return "read";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

bool RoleAllows(Role held, Role needed) { return held == Role::kAdmin || held == needed; }

absl::StatusOr<TokenRegistry> TokenRegistry::Parse(absl::string_view text,
                                                   absl::string_view source) {
  TokenRegistry registry;
  absl::flat_hash_set<std::string> tokens;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat(source, ":", line_number, ": ");
    if (fields.size() != 3) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "expected TOKEN ROLE NAME (3 fields), got ", fields.size()));
    }
    if (!ValidToken(fields[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "the token must be ", kMinTokenBytes, " to ", kMaxTokenBytes,
          " printable characters without spaces (make one with `openssl rand -hex 32`)"));
    }
    std::optional<Role> role = ParseRole(fields[1]);
    if (!role) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "unknown role \"", fields[1], "\" (use ingest, read or admin)"));
    }
    if (!ValidName(fields[2])) {
      return absl::InvalidArgumentError(absl::StrCat(where, "the name must be 1 to ", kMaxNameBytes,
                                                     " characters of [A-Za-z0-9._@-]"));
    }
    if (!tokens.insert(std::string(fields[0])).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "this token is already on an earlier line (tokens must differ)"));
    }
    registry.entries_.push_back(
        Entry{std::string(fields[0]), Caller{*role, std::string(fields[2])}});
  }
  if (registry.entries_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(source,
                     ": no token in the file (one line per token: TOKEN ROLE NAME); an empty file "
                     "would lock every client out"));
  }
  return registry;
}

absl::StatusOr<TokenRegistry> TokenRegistry::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("auth tokens: cannot read ", path, " (check the path and its permissions)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<Caller> TokenRegistry::Find(absl::string_view token) const {
  std::optional<Caller> found;
  for (const Entry& entry : entries_) {
    // Every entry is compared, and each comparison of equal lengths takes the same time
    // whatever the bytes, so the timing does not tell which entry or how many bytes matched.
    const bool match = entry.token.size() == token.size() &&
                       CRYPTO_memcmp(entry.token.data(), token.data(), token.size()) == 0;
    if (match) found = entry.caller;
  }
  return found;
}

std::optional<absl::string_view> BearerToken(absl::string_view authorization) {
  constexpr absl::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(authorization, kScheme)) {
    return std::nullopt;
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(kScheme.size()));
  if (token.empty() || absl::StrContains(token, ' ')) return std::nullopt;
  return token;
}

}  // namespace actiscope::server
