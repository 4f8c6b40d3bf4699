// libFuzzer target: server/store/series_block.h's DecodeSeriesBlock on a damaged or hostile
// blob (a corrupt database must read as DATA_LOSS, never crash the server). Input: bins
// (1 byte), then the blob.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "server/store/series_block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint32_t bins = 1 + data[0] % 64;
  const absl::string_view blob(reinterpret_cast<const char*>(data + 1), size - 1);
  (void)actiscope::server::DecodeSeriesBlock(blob, bins);
  return 0;
}
