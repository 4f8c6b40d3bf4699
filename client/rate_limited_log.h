// Rate-limited logging to stderr for the client library, which must never flood a training
// job's log: each key prints at most once per interval, with the count of messages it held
// back since.
//
// Thread-safety: thread-safe.
#ifndef ACTISCOPE_CLIENT_RATE_LIMITED_LOG_H_
#define ACTISCOPE_CLIENT_RATE_LIMITED_LOG_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace actiscope::client {

class RateLimitedLog {
 public:
  explicit RateLimitedLog(absl::Duration interval = absl::Seconds(10)) : interval_(interval) {}
  // Prints "actiscope: <message>" unless `key` printed within the interval.
  void Log(absl::string_view key, absl::string_view message);

 private:
  struct KeyState {
    absl::Time last_printed = absl::InfinitePast();
    uint64_t held_back = 0;
  };
  const absl::Duration interval_;
  absl::Mutex mu_;
  std::map<std::string, KeyState, std::less<>> keys_ ABSL_GUARDED_BY(mu_);
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_RATE_LIMITED_LOG_H_
