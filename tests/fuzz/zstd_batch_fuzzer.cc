// libFuzzer target: what the gRPC edge does with a Push request's zstd_batch before anything is
// stored: DecompressBatch (bounded to 1 MiB here) and DecodeBatchCounts, which resolves delta
// frames and checks every frame's counts against its stats.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "google/protobuf/stubs/logging.h"
#include "proto/histogram_codec.h"

// Invalid UTF-8 in a string field is an expected rejection; protobuf would log each one.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view zstd(reinterpret_cast<const char*>(data), size);
  auto batch = actiscope::codec::DecompressBatch(zstd, size_t{1} << 20);
  if (!batch.ok()) return 0;
  (void)actiscope::codec::DecodeBatchCounts(*batch);
  return 0;
}
