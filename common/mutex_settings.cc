#include "common/mutex_settings.h"

#include "absl/synchronization/mutex.h"

namespace actiscope {

void DisableMutexDeadlockDetection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace actiscope
