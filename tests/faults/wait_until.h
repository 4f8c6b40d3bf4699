// WaitUntil: the fault tests' one way to wait for a condition (a server answer, a file, a
// client's output) with a deadline, checking it every 20 ms. Never a sleep as synchronization.
#ifndef ACTISCOPE_TESTS_FAULTS_WAIT_UNTIL_H_
#define ACTISCOPE_TESTS_FAULTS_WAIT_UNTIL_H_

#include <algorithm>
#include <functional>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace actiscope::faults {

// True as soon as `done()` is; false when it still is not after `timeout`.
inline bool WaitUntil(absl::Duration timeout, const std::function<bool()>& done) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(std::min(absl::Milliseconds(20), deadline - absl::Now()));
  }
  return true;
}

}  // namespace actiscope::faults

#endif  // ACTISCOPE_TESTS_FAULTS_WAIT_UNTIL_H_
