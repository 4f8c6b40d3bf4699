#include "server/http/http_request.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace actiscope::server {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<ParsedTarget> ParseTarget(absl::string_view target) {
  if (target.size() > kMaxTargetBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("request target: longer than ", kMaxTargetBytes, " bytes"));
  }
  ParsedTarget parsed;
  size_t question = target.find('?');
  absl::string_view path = target.substr(0, question);
  for (absl::string_view segment : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    std::optional<std::string> decoded = PercentDecode(segment, false);
    if (!decoded) return absl::InvalidArgumentError("request path: malformed % escape");
    parsed.segments.push_back(std::move(*decoded));
  }
  if (question == absl::string_view::npos) return parsed;
  for (absl::string_view pair :
       absl::StrSplit(target.substr(question + 1), '&', absl::SkipEmpty())) {
    size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        PercentDecode(eq == absl::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return absl::InvalidArgumentError("query string: malformed % escape");
    parsed.params[*name] = std::move(*value);
  }
  return parsed;
}

std::optional<std::string> ParsedTarget::Param(const std::string& name) const {
  auto it = params.find(name);
  if (it == params.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

absl::StatusOr<int64_t> ParsedTarget::IntParam(const std::string& name, int64_t fallback,
                                               int64_t min, int64_t max) const {
  std::optional<std::string> text = Param(name);
  if (!text) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter ", name, ": not an integer: \"", *text, "\""));
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("parameter ", name, ": ", value, " is outside [", min, ", ", max, "]"));
  }
  return value;
}

}  // namespace actiscope::server
