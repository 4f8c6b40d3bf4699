// The sender's error classes (push_refusal.h).
#include "client/push_refusal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace actiscope::client {

bool IsOverLimit(absl::string_view message) {
  const std::string lower = absl::AsciiStrToLower(message);
  // A full disk or database (the server names --max_database_bytes then) frees up again.
  if (absl::StrContains(lower, "retry later") || absl::StrContains(lower, "try again") ||
      absl::StrContains(lower, "is full")) {
    return false;
  }
  if (absl::StrContains(lower, "larger than max") || absl::StrContains(lower, "send smaller")) {
    return true;
  }
  for (size_t at = lower.find("--max_"); at != std::string::npos;
       at = lower.find("--max_", at + 1)) {
    size_t end = at + 2;
    while (end < lower.size() && (absl::ascii_isalnum(lower[end]) || lower[end] == '_')) ++end;
    if (!absl::StrContains(lower.substr(at, end - at), "stream")) return true;
  }
  return false;
}

bool IsCredentialRefusal(const absl::Status& status) {
  return absl::IsUnauthenticated(status) || absl::IsPermissionDenied(status);
}

bool RejectsRequest(const absl::Status& status, bool acked_on_stream) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return true;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return acked_on_stream;
    case absl::StatusCode::kResourceExhausted:
      return IsOverLimit(status.message());
    default:
      return false;
  }
}

}  // namespace actiscope::client
