#include "server/store_health.h"

#include <utility>

namespace actiscope::server {

StoreHealth::StoreHealth(SqliteStore* store, absl::Duration probe_interval,
                         std::function<void(bool)> on_change)
    : store_(store), probe_interval_(probe_interval), on_change_(std::move(on_change)) {}

StoreHealth::~StoreHealth() { Stop(); }

void StoreHealth::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void StoreHealth::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool StoreHealth::Serving() const { return store_->Stats().commit_ok; }

std::string StoreHealth::Reason() const { return store_->Stats().last_error; }

void StoreHealth::Loop() {
  bool reported = true;  // Both edges start out SERVING.
  absl::MutexLock lock(&mu_);
  while (!stop_) {
    mu_.AwaitWithTimeout(absl::Condition(&stop_), probe_interval_);
    if (stop_) break;
    mu_.Unlock();
    bool serving = store_->Stats().commit_ok;
    if (!serving) serving = store_->ProbeCommit().ok();
    if (serving != reported) {
      reported = serving;
      if (on_change_) on_change_(serving);
    }
    mu_.Lock();
  }
}

}  // namespace actiscope::server
