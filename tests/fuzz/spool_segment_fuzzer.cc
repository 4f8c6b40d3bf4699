// libFuzzer target: client/spool_segment.h's segment parser (resynchronizing after damage) on
// a torn or corrupted segment file (what `actiscope sync` and a restarted trainer read back).
// Input: the first byte chooses raw bytes (framing, CRCs) or bodies that this harness frames with
// correct lengths and CRCs (so that the fuzzer reaches the record types, varints and protobuf
// messages behind the checksums); bodies are separated by the bytes "|#|".
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "client/crc32c.h"
#include "client/spool_segment.h"
#include "google/protobuf/stubs/logging.h"

namespace {

void PutFixed32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

// Invalid UTF-8 in a string field is an expected rejection; protobuf would log each one.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 1) {
    (void)actiscope::client::ParseSegment(rest);
    return 0;
  }
  std::string segment;
  for (absl::string_view body : absl::StrSplit(rest, "|#|")) {
    PutFixed32(static_cast<uint32_t>(body.size()), &segment);
    PutFixed32(actiscope::client::Crc32c(body), &segment);
    segment.append(body.data(), body.size());
  }
  (void)actiscope::client::ParseSegment(segment);
  return 0;
}
