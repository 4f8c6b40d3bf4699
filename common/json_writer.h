// JsonWriter: builds compact JSON text for the HTTP API (server/http/http_api.h) and the CLI's
// --json output (cli/json_output.h). Strings are
// escaped so the output is safe to embed anywhere: quotes, backslashes, control characters,
// '<', '>', '&', U+2028 and U+2029 become \u escapes, and invalid UTF-8 becomes U+FFFD.
// Non-finite doubles are written as null (JSON has no NaN or Infinity).
//
// The writer tracks commas itself; callers only open, close and write values. Misnesting is a
// programming error that produces invalid JSON rather than a crash.
//
// Thread-safety: none; one writer per response.
//
// Example:
//   JsonWriter json;
//   json.BeginObject();
//   json.Key("name"); json.String(run.name);
//   json.Key("steps"); json.BeginArray(); json.Int(1); json.Int(2); json.EndArray();
//   json.EndObject();
//   std::string body = std::move(json).Take();
#ifndef ACTISCOPE_COMMON_JSON_WRITER_H_
#define ACTISCOPE_COMMON_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace actiscope {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // An object member's name; the next value written is its value.
  void Key(absl::string_view key);

  void String(absl::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // Shortest text that reads back as the same double; null when not finite.
  void Double(double value);
  void Bool(bool value);
  void Null();

  const std::string& text() const { return out_; }
  std::string Take() && { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open object/array: whether it already holds a member or element.
  std::vector<bool> has_items_;
  bool after_key_ = false;
};

// Appends `value` as a quoted, escaped JSON string to `out`.
void AppendJsonString(absl::string_view value, std::string* out);

}  // namespace actiscope

#endif  // ACTISCOPE_COMMON_JSON_WRITER_H_
