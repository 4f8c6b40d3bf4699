// libFuzzer target: proto/histogram_codec.h's DecodeCounts on hostile bytes, the counts codec
// every Push request carries. Input: bins (1 byte), whether a delta base is used (1 byte, its
// values then the next 8 bytes each), then the encoded counts. A decoded result must re-encode
// to counts that decode to the same values.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "proto/histogram_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t bins = data[0] % 65;
  const bool delta = data[1] & 1;
  data += 2;
  size -= 2;
  std::vector<uint64_t> base;
  if (delta) {
    if (size < 8 * bins) return 0;
    base.resize(bins);
    for (size_t i = 0; i < bins; ++i) std::memcpy(&base[i], data + 8 * i, 8);
    data += 8 * bins;
    size -= 8 * bins;
  }
  const absl::string_view encoded(reinterpret_cast<const char*>(data), size);
  std::vector<uint64_t> counts;
  if (!actiscope::codec::DecodeCounts(encoded, base, bins, &counts).ok()) return 0;
  std::string again;
  actiscope::codec::EncodeCounts(counts, base, &again);
  std::vector<uint64_t> round_trip;
  if (!actiscope::codec::DecodeCounts(again, base, bins, &round_trip).ok() ||
      round_trip != counts) {
    __builtin_trap();
  }
  return 0;
}
