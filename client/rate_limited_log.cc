#include "client/rate_limited_log.h"

#include <cstdio>

namespace actiscope::client {

void RateLimitedLog::Log(absl::string_view key, absl::string_view message) {
  const absl::Time now = absl::Now();
  uint64_t held_back = 0;
  {
    absl::MutexLock lock(&mu_);
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), KeyState{}).first;
    if (now - it->second.last_printed < interval_) {
      ++it->second.held_back;
      return;
    }
    it->second.last_printed = now;
    held_back = it->second.held_back;
    it->second.held_back = 0;
  }
  if (held_back > 0) {
    std::fprintf(stderr, "actiscope: %.*s (%llu similar messages held back)\n",
                 static_cast<int>(message.size()), message.data(),
                 static_cast<unsigned long long>(held_back));
  } else {
    std::fprintf(stderr, "actiscope: %.*s\n", static_cast<int>(message.size()), message.data());
  }
}

}  // namespace actiscope::client
