#include "server/http/http_auth.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/json_writer.h"
#include "server/http/http_api.h"

namespace actiscope::server {
namespace {

void SendError(const absl::Status& status, httplib::Response& res) {
  HttpReply reply = ErrorReply(status);
  res.status = reply.status;
  res.set_content(reply.body, reply.content_type.c_str());
}

absl::Status RoleError(const Caller& caller) {
  return absl::PermissionDeniedError(
      absl::StrCat("token \"", caller.name, "\" has role ", RoleName(caller.role),
                   "; the HTTP API and the page need a token of role read or admin"));
}

// Percent-encodes everything but unreserved characters and '/'.
std::string EncodeQueryValue(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%",
                      absl::AsciiStrToUpper(absl::StrCat(absl::Hex(c, absl::kZeroPad2))));
    }
  }
  return out;
}

bool IsJson(const httplib::Request& req) {
  return absl::StartsWith(req.get_header_value("Content-Type"), "application/json");
}

}  // namespace

std::optional<std::string> CookieValue(absl::string_view header, absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(header, ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::ConsumePrefix(&part, name) && absl::ConsumePrefix(&part, "=")) {
      return std::string(part);
    }
  }
  return std::nullopt;
}

std::optional<std::string> TokenFromJson(absl::string_view body) {
  body = absl::StripAsciiWhitespace(body);
  if (!absl::ConsumePrefix(&body, "{") || !absl::ConsumeSuffix(&body, "}")) return std::nullopt;
  body = absl::StripAsciiWhitespace(body);
  if (!absl::ConsumePrefix(&body, "\"token\"")) return std::nullopt;
  body = absl::StripLeadingAsciiWhitespace(body);
  if (!absl::ConsumePrefix(&body, ":")) return std::nullopt;
  body = absl::StripAsciiWhitespace(body);
  if (!absl::ConsumePrefix(&body, "\"") || !absl::ConsumeSuffix(&body, "\"")) return std::nullopt;
  for (char c : body) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) return std::nullopt;
  }
  return std::string(body);
}

std::string SafeNextPath(absl::string_view next) {
  if (next.empty() || next.front() != '/' || absl::StartsWith(next, "//") ||
      absl::StrContains(next, '\\') || next.size() > 2048) {
    return "/";
  }
  for (unsigned char c : next) {
    if (c < 0x21 || c > 0x7e) return "/";
  }
  return std::string(next);
}

HttpAuth::HttpAuth(const TokenRegistry* tokens, SessionStore* sessions, bool https)
    : tokens_(tokens), sessions_(sessions), https_(https) {}

bool HttpAuth::Allow(const httplib::Request& req, bool api, httplib::Response& res) const {
  if (tokens_ == nullptr) return true;
  std::optional<Caller> caller;
  if (req.has_header("Authorization")) {
    const std::string authorization = req.get_header_value("Authorization");
    std::optional<absl::string_view> token = BearerToken(authorization);
    if (!token) {
      SendError(absl::UnauthenticatedError(
                    "Authorization header: expected \"Bearer TOKEN\" with a read or admin token"),
                res);
      return false;
    }
    caller = tokens_->Find(*token);
    if (!caller) {
      SendError(absl::UnauthenticatedError(
                    "unknown token: send a token listed in the server's --auth_tokens file"),
                res);
      return false;
    }
  } else if (std::optional<std::string> id =
                 CookieValue(req.get_header_value("Cookie"), kSessionCookie)) {
    caller = sessions_->Find(*id);
  }
  if (caller && RoleAllows(caller->role, Role::kRead)) return true;
  if (caller) {
    SendError(RoleError(*caller), res);
    return false;
  }
  if (api) {
    res.set_header("WWW-Authenticate", "Bearer");
    SendError(absl::UnauthenticatedError(
                  "authentication required: send \"Authorization: Bearer TOKEN\" with a read or "
                  "admin token, or log in at /login"),
              res);
  } else {
    res.status = 303;
    res.set_header("Location", absl::StrCat("/login?next=", EncodeQueryValue(req.target)));
  }
  return false;
}

absl::Status HttpAuth::CheckSameOrigin(const httplib::Request& req) const {
  std::string origin = absl::StrCat(https_ ? "https://" : "http://", req.get_header_value("Host"));
  // Browsers set Sec-Fetch-Site themselves (pages cannot), also where Origin is "null".
  if (req.get_header_value("Sec-Fetch-Site") == "same-origin") return absl::OkStatus();
  if (req.has_header("Origin")) {
    if (req.get_header_value("Origin") == origin) return absl::OkStatus();
  } else if (req.has_header("Referer")) {
    const std::string& referer = req.get_header_value("Referer");
    if (referer == origin || absl::StartsWith(referer, origin + "/")) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(
      absl::StrCat("cross-origin POST refused: log in from the page at ", origin,
                   "/login (the request must carry Origin or Referer ", origin, ")"));
}

void HttpAuth::Login(const httplib::Request& req, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (tokens_ == nullptr) {
    SendError(absl::FailedPreconditionError(
                  "login: this server runs without --auth_tokens; open the page directly"),
              res);
    return;
  }
  if (absl::Status s = CheckSameOrigin(req); !s.ok()) {
    SendError(s, res);
    return;
  }
  std::optional<std::string> token =
      IsJson(req)
          ? TokenFromJson(req.body)
          : (req.has_param("token") ? std::optional(req.get_param_value("token")) : std::nullopt);
  if (!token) {
    SendError(absl::InvalidArgumentError(
                  "login: send the token as a form field token=... or as JSON {\"token\": ...}"),
              res);
    return;
  }
  std::optional<Caller> caller = tokens_->Find(*token);
  if (!caller) {
    std::cerr << "actiscope-server: http login refused from " << req.remote_addr
              << ": unknown token\n";
    SendError(absl::UnauthenticatedError(
                  "login: unknown token; use a read or admin token from the --auth_tokens file"),
              res);
    return;
  }
  if (!RoleAllows(caller->role, Role::kRead)) {
    SendError(RoleError(*caller), res);
    return;
  }
  absl::StatusOr<std::string> id = sessions_->Create(*caller);
  if (!id.ok()) {
    SendError(id.status(), res);
    return;
  }
  std::cerr << "actiscope-server: http login by " << caller->name << " (" << RoleName(caller->role)
            << ") from " << req.remote_addr << "\n";
  res.set_header("Set-Cookie",
                 absl::StrCat(kSessionCookie, "=", *id, "; HttpOnly; SameSite=Strict; Path=/",
                              "; Max-Age=", absl::ToInt64Seconds(sessions_->lifetime()),
                              https_ ? "; Secure" : ""));
  if (!IsJson(req)) {
    res.status = 303;
    res.set_header("Location", SafeNextPath(req.get_param_value("next")));
    return;
  }
  JsonWriter json;
  json.BeginObject();
  json.Key("name");
  json.String(caller->name);
  json.Key("role");
  json.String(RoleName(caller->role));
  json.EndObject();
  res.set_content(json.text(), kJsonContentType);
}

void HttpAuth::Logout(const httplib::Request& req, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  if (absl::Status s = CheckSameOrigin(req); !s.ok()) {
    SendError(s, res);
    return;
  }
  if (std::optional<std::string> id = CookieValue(req.get_header_value("Cookie"), kSessionCookie)) {
    sessions_->End(*id);
  }
  res.set_header("Set-Cookie", absl::StrCat(kSessionCookie, "=; HttpOnly; SameSite=Strict; Path=/",
                                            "; Max-Age=0", https_ ? "; Secure" : ""));
  res.set_content(R"({"logged_out":true})", kJsonContentType);
}

}  // namespace actiscope::server
