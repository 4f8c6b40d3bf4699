// ParsedTarget: an HTTP request target ("/api/runs/a%2Fb/heatmap?layer=conv1&from=10") split
// into percent-decoded path segments and query parameters. The API routes on segments that
// are decoded one by one, so an encoded '/' inside a run id stays inside that segment.
// Used by server/http/http_api.h and server/http/http_server.h; plain data, no I/O.
#ifndef ACTISCOPE_SERVER_HTTP_HTTP_REQUEST_H_
#define ACTISCOPE_SERVER_HTTP_HTTP_REQUEST_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace actiscope::server {

// Longest request target the API parses.
inline constexpr size_t kMaxTargetBytes = 8192;

struct ParsedTarget {
  std::vector<std::string> segments;          // "/a/b/" -> {"a", "b"}: empty segments dropped.
  std::map<std::string, std::string> params;  // Last value wins for a repeated name.

  // The parameter, or nullopt when absent or empty.
  std::optional<std::string> Param(const std::string& name) const;
  // The parameter as an integer in [min, max]; `fallback` when absent or empty.
  // INVALID_ARGUMENT naming the parameter when it is not a number or out of range.
  absl::StatusOr<int64_t> IntParam(const std::string& name, int64_t fallback, int64_t min,
                                   int64_t max) const;
};

// INVALID_ARGUMENT for a target over kMaxTargetBytes or with a malformed % escape.
absl::StatusOr<ParsedTarget> ParseTarget(absl::string_view target);

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt when malformed.
std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space);

}  // namespace actiscope::server

#endif  // ACTISCOPE_SERVER_HTTP_HTTP_REQUEST_H_
