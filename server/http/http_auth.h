// HttpAuth: who may use the HTTP side when actiscope-server runs with --auth_tokens
// (server/auth/token_registry.h). HttpServer (server/http/http_server.h) asks it before every
// request but /healthz and the login page's own files, and routes POST /login and
// POST /logout to it.
//
// A request is let through when it carries
//   - `Authorization: Bearer TOKEN` for a token of role read or admin, or
//   - the cookie actiscope_session=ID of a live session (server/http/http_sessions.h).
// Otherwise: an API request (/api/...) gets 401 {"error": ...} (403 for a token of another
// role, e.g. ingest); a page request is redirected (303) to /login?next=TARGET.
//
// POST /login takes the token as a form field (token=...) or a JSON body ({"token": "..."}),
// only from the server's own origin (the browser's Sec-Fetch-Site: same-origin, or Origin, or
// else Referer, must be SCHEME://HOST of the request), and answers with
//   Set-Cookie: actiscope_session=ID; HttpOnly; SameSite=Strict; Path=/; Max-Age=S [; Secure]
// (Secure under HTTPS), then 200 {"name", "role"} for JSON or 303 to the form's `next` path.
// POST /logout ends the session and clears the cookie. Tokens are never logged; logins are,
// by the token's NAME.
//
// Thread-safety: all methods may be called concurrently.
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_AUTH_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_AUTH_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "httplib.h"
#include "server/auth/token_registry.h"
#include "server/http/http_sessions.h"

namespace actiscope::server {

inline constexpr char kSessionCookie[] = "actiscope_session";

class HttpAuth {
 public:
  // `tokens` null means the server is open and Allow lets everything through. `tokens` and
  // `sessions` must outlive this. `https` adds Secure to the cookie and sets the origin scheme.
  HttpAuth(const TokenRegistry* tokens, SessionStore* sessions, bool https);

  bool enabled() const { return tokens_ != nullptr; }
  // Whether the request may go on; when not, `res` holds the answer. `api` picks the answer
  // for an unauthenticated request: 401 JSON (true) or a redirect to the login page (false).
  bool Allow(const httplib::Request& req, bool api, httplib::Response& res) const;
  void Login(const httplib::Request& req, httplib::Response& res);
  void Logout(const httplib::Request& req, httplib::Response& res);

 private:
  // OK when the POST comes from the server's own origin; PERMISSION_DENIED otherwise.
  absl::Status CheckSameOrigin(const httplib::Request& req) const;

  const TokenRegistry* tokens_;
  SessionStore* sessions_;
  const bool https_;
};

// The value of cookie `name` in a Cookie header ("a=1; b=2"); nullopt when absent.
std::optional<std::string> CookieValue(absl::string_view header, absl::string_view name);
// The "token" string of a JSON object such as {"token": "abc"}; nullopt for anything else
// (other keys, escapes, trailing text).
std::optional<std::string> TokenFromJson(absl::string_view body);
// `next` when it is a path on this server ("/runs/x?kind=weight"), "/" otherwise.
std::string SafeNextPath(absl::string_view next);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_AUTH_H_
