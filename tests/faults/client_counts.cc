// ClientCounts: written with the JSON writer, read back with a parser of this one flat line.
#include "tests/faults/client_counts.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/json_writer.h"

namespace actiscope::faults {
namespace {

// The text after "key": up to the next ',' or '}', quotes removed.
absl::StatusOr<std::string> Field(absl::string_view line, absl::string_view key) {
  const std::string needle = absl::StrCat("\"", key, "\":");
  const size_t at = line.find(needle);
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("counts line lacks \"", key, "\": ", line));
  }
  absl::string_view value = line.substr(at + needle.size());
  value = value.substr(0, value.find_first_of(",}"));
  absl::ConsumePrefix(&value, "\"");
  absl::ConsumeSuffix(&value, "\"");
  return std::string(value);
}

template <typename T>
absl::Status Number(absl::string_view line, absl::string_view key, T* out) {
  absl::StatusOr<std::string> text = Field(line, key);
  if (!text.ok()) return text.status();
  if (!absl::SimpleAtoi(*text, out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("counts line: \"", key, "\" is not a number: ", line));
  }
  return absl::OkStatus();
}

}  // namespace

std::string CountsJson(const ClientCounts& counts) {
  JsonWriter json;
  json.BeginObject();
  json.Key("phase");
  json.String(counts.phase);
  json.Key("run_id");
  json.String(counts.run_id);
  json.Key("rank");
  json.Uint(counts.rank);
  json.Key("first_step");
  json.Int(counts.first_step);
  json.Key("steps");
  json.Int(counts.steps);
  json.Key("produced");
  json.Uint(counts.produced);
  json.Key("acked");
  json.Uint(counts.acked);
  json.Key("rejected");
  json.Uint(counts.rejected);
  json.Key("dropped");
  json.Uint(counts.dropped);
  json.Key("unacked");
  json.Uint(counts.unacked);
  json.EndObject();
  return std::move(json).Take();
}

absl::StatusOr<ClientCounts> ParseCountsLine(absl::string_view output, absl::string_view phase) {
  const std::string prefix = absl::StrCat("{\"phase\":\"", phase, "\"");
  absl::string_view line;
  for (absl::string_view candidate : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(candidate, prefix) && absl::EndsWith(candidate, "}")) line = candidate;
  }
  if (line.empty()) {
    return absl::NotFoundError(absl::StrCat("no \"", phase, "\" counts line in: ", output));
  }
  ClientCounts counts;
  counts.phase = std::string(phase);
  absl::StatusOr<std::string> run_id = Field(line, "run_id");
  if (!run_id.ok()) return run_id.status();
  counts.run_id = *run_id;
  for (absl::Status s :
       {Number(line, "rank", &counts.rank), Number(line, "first_step", &counts.first_step),
        Number(line, "steps", &counts.steps), Number(line, "produced", &counts.produced),
        Number(line, "acked", &counts.acked), Number(line, "rejected", &counts.rejected),
        Number(line, "dropped", &counts.dropped), Number(line, "unacked", &counts.unacked)}) {
    if (!s.ok()) return s;
  }
  return counts;
}

}  // namespace actiscope::faults
