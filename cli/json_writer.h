// JsonWriter: builds compact JSON text with correct string escaping, for the CLI's --json
// output (run and layer names are user input, so every string goes through Escape).
//
// Example:
//   JsonWriter w;
//   w.BeginObject();
//   w.Key("id"); w.String(run_id);
//   w.Key("steps"); w.BeginArray(); w.Int(0); w.Int(1); w.EndArray();
//   w.EndObject();
//   std::string text = w.str();  // {"id":"...","steps":[0,1]}
//
// Calls must nest properly (the writer does not validate). Not thread-safe.
#ifndef ACTISCOPE_CLI_JSON_WRITER_H_
#define ACTISCOPE_CLI_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace actiscope::cli {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray();
  void EndArray();
  // The next value belongs to this key; only inside an object.
  void Key(absl::string_view key);
  void String(absl::string_view value);
  void Int(int64_t value);
  void Uint(uint64_t value);
  // The shortest decimal that reads back to the same double; null for NaN and infinities.
  void Double(double value);
  void Bool(bool value);
  void Null();

  const std::string& str() const { return out_; }

  // `value` as a quoted JSON string: ", \ and control characters escaped, other bytes
  // (UTF-8) passed through.
  static std::string Quote(absl::string_view value);

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open object or array: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

}  // namespace actiscope::cli

#endif  // ACTISCOPE_CLI_JSON_WRITER_H_
