#include "server/http/http_sessions.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/strings/escaping.h"

namespace actiscope::server {
namespace {

constexpr int kIdBytes = 32;

std::string Hash(absl::string_view id) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(id.data()), id.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

}  // namespace

SessionStore::SessionStore(SessionOptions options, std::function<absl::Time()> now)
    : options_(options), now_(std::move(now)) {}

absl::StatusOr<std::string> SessionStore::Create(const Caller& caller) {
  unsigned char random[kIdBytes];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("login: no randomness for a session id; retry");
  }
  std::string id =
      absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(random), sizeof(random)));
  std::string hash = Hash(id);
  absl::Time now = now_();
  absl::MutexLock lock(&mu_);
  Evict(now);
  while (!by_expiry_.empty() && static_cast<int>(sessions_.size()) >= options_.max_sessions) {
    sessions_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
  absl::Time expires = now + options_.lifetime;
  sessions_[hash] = Session{caller, expires};
  by_expiry_.emplace(expires, hash);
  return id;
}

std::optional<Caller> SessionStore::Find(absl::string_view id) {
  std::string hash = Hash(id);
  absl::MutexLock lock(&mu_);
  Evict(now_());
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) return std::nullopt;
  return it->second.caller;
}

void SessionStore::End(absl::string_view id) {
  std::string hash = Hash(id);
  absl::MutexLock lock(&mu_);
  auto it = sessions_.find(hash);
  if (it == sessions_.end()) return;
  auto [first, last] = by_expiry_.equal_range(it->second.expires);
  for (auto entry = first; entry != last; ++entry) {
    if (entry->second == hash) {
      by_expiry_.erase(entry);
      break;
    }
  }
  sessions_.erase(it);
}

int SessionStore::size() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(sessions_.size());
}

void SessionStore::Evict(absl::Time now) {
  while (!by_expiry_.empty() && by_expiry_.begin()->first <= now) {
    sessions_.erase(by_expiry_.begin()->second);
    by_expiry_.erase(by_expiry_.begin());
  }
}

}  // namespace actiscope::server
