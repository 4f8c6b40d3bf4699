// Beginnings among the alerts that changed, from the held alerts' first steps (began_alerts.h).
#include "server/grpc/began_alerts.h"

#include <string>

namespace actiscope::server {

std::vector<Alert> BeganAlerts::Select(const std::vector<Alert>& changed) {
  std::vector<Alert> began;
  absl::MutexLock lock(&mu_);
  for (const Alert& alert : changed) {
    const SeriesType key(alert.rank, static_cast<int>(alert.kind), alert.layer,
                         static_cast<int>(alert.type));
    const auto run = runs_.find(alert.run_id);
    if (alert.cleared) {
      if (run != runs_.end() && run->second.erase(key) > 0) {
        --held_;
        if (run->second.empty()) runs_.erase(run);
      }
      continue;
    }
    if (run != runs_.end()) {
      const auto it = run->second.find(key);
      if (it != run->second.end() && it->second == alert.first_step) continue;  // A refresh.
      if (it != run->second.end()) {
        it->second = alert.first_step;  // Cleared unseen (a detector restarted): a new one.
        began.push_back(alert);
        continue;
      }
    }
    began.push_back(alert);
    if (held_ < max_held_) {
      runs_[alert.run_id].emplace(key, alert.first_step);
      ++held_;
    }
  }
  return began;
}

void BeganAlerts::ForgetRun(absl::string_view run_id) {
  absl::MutexLock lock(&mu_);
  const auto run = runs_.find(run_id);
  if (run == runs_.end()) return;
  held_ -= run->second.size();
  runs_.erase(run);
}

size_t BeganAlerts::held() const {
  absl::MutexLock lock(&mu_);
  return held_;
}

}  // namespace actiscope::server
