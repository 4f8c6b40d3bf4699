// libFuzzer target: the HTTP edge's request-target parser (server/http/http_request.h), which
// sees every byte of a URL a browser or an attacker sends, and its integer parameters.
#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "server/http/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view target(reinterpret_cast<const char*>(data), size);
  auto parsed = actiscope::server::ParseTarget(target);
  if (!parsed.ok()) return 0;
  for (const char* name : {"columns", "from", "to", "rank", "limit"}) {
    (void)parsed->IntParam(name, 0, -1, int64_t{1} << 53);
  }
  (void)actiscope::server::PercentDecode(target, /*plus_is_space=*/true);
  return 0;
}
