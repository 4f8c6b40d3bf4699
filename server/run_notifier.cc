#include "server/run_notifier.h"

namespace actiscope::server {

void RunNotifier::Notify(absl::string_view run_id) {
  absl::MutexLock lock(&mu_);
  ++versions_[std::string(run_id)];
}

uint64_t RunNotifier::Version(absl::string_view run_id) const {
  absl::MutexLock lock(&mu_);
  auto it = versions_.find(run_id);
  return it == versions_.end() ? 0 : it->second;
}

bool RunNotifier::WaitForChange(absl::string_view run_id, uint64_t seen, absl::Time deadline,
                                uint64_t* version) {
  absl::MutexLock lock(&mu_);
  auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (shut_down_) return true;
    auto it = versions_.find(run_id);
    return it != versions_.end() && it->second != seen;
  };
  mu_.AwaitWithDeadline(absl::Condition(&changed), deadline);
  if (shut_down_) return false;
  auto it = versions_.find(run_id);
  if (it == versions_.end() || it->second == seen) return false;
  *version = it->second;
  return true;
}

void RunNotifier::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
}

bool RunNotifier::is_shut_down() const {
  absl::MutexLock lock(&mu_);
  return shut_down_;
}

}  // namespace actiscope::server
