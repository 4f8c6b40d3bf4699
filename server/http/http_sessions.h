// SessionStore: the page's login sessions. POST /login (server/http/http_auth.h) trades a read
// or admin token for a session id sent back as the actiscope_session cookie; every later
// request presents the cookie instead of the token.
//
// An id is 256 random bits (OpenSSL's RAND_bytes) as 64 hex digits. The store keeps only the
// SHA-256 of each id, so ids are looked up by hash, never compared by hand, and a memory dump
// holds no usable cookie. Sessions expire `lifetime` after login; at most `max_sessions` live
// at once, and a login beyond that ends the oldest.
//
// Thread-safety: all methods may be called concurrently.
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_SESSIONS_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_SESSIONS_H_

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/auth/token_registry.h"

namespace actiscope::server {

struct SessionOptions {
  int max_sessions = 1024;
  absl::Duration lifetime = absl::Hours(12);
};

class SessionStore {
 public:
  // `now` is the clock (a fake in tests).
  explicit SessionStore(
      SessionOptions options = {}, std::function<absl::Time()> now = [] { return absl::Now(); });

  // A new session for `caller`: its id, to be sent once as the cookie. INTERNAL when the
  // system has no randomness to give.
  absl::StatusOr<std::string> Create(const Caller& caller);
  // The caller of a live session; nullopt for an unknown, ended or expired id.
  std::optional<Caller> Find(absl::string_view id);
  // Ends the session (nothing for an unknown id).
  void End(absl::string_view id);
  int size() const;
  absl::Duration lifetime() const { return options_.lifetime; }

 private:
  struct Session {
    Caller caller;
    absl::Time expires;
  };
  // Drops expired sessions, then the oldest while over the bound.
  void Evict(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SessionOptions options_;
  const std::function<absl::Time()> now_;
  mutable absl::Mutex mu_;
  // By SHA-256 of the id (raw bytes).
  absl::flat_hash_map<std::string, Session> sessions_ ABSL_GUARDED_BY(mu_);
  // Expiry order (expiry = login time + lifetime, so also login order): expiry -> id hash.
  std::multimap<absl::Time, std::string> by_expiry_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_SESSIONS_H_
