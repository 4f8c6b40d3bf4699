#include "common/mutex_settings.h"

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"

namespace actiscope {
namespace {

// Locks a then b, then b then a: a lock-order cycle, though no deadlock in one thread.
void LockInBothOrders() {
  absl::Mutex a, b;
  {
    absl::MutexLock first(&a);
    absl::MutexLock second(&b);
  }
  {
    absl::MutexLock first(&b);
    absl::MutexLock second(&a);
  }
}

TEST(MutexSettingsTest, DetectionWouldAbortOnALockOrderCycle) {
  // The premise of the next test: with detection on, the cycle is fatal.
  EXPECT_DEATH(
      {
        absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kAbort);
        LockInBothOrders();
      },
      "cycle");
}

TEST(MutexSettingsTest, ALockOrderCyclePassesOnceDetectionIsOff) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kAbort);
  DisableMutexDeadlockDetection();
  LockInBothOrders();
}

}  // namespace
}  // namespace actiscope
