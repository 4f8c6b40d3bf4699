#include "server/store/reader_pool.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace actiscope::server {

ReaderPool::ReaderPool(Opener open, int max_connections, absl::Duration max_wait)
    : opener_(std::move(open)), max_connections_(max_connections), max_wait_(max_wait) {}

absl::StatusOr<ReaderPool::Lease> ReaderPool::Acquire() {
  {
    absl::MutexLock lock(&mu_);
    auto available = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return !idle_.empty() || open_count_ < max_connections_;
    };
    if (!mu_.AwaitWithTimeout(absl::Condition(&available), max_wait_)) {
      return absl::ResourceExhaustedError(
          absl::StrCat("store: all ", max_connections_, " query connections stayed busy for ",
                       absl::FormatDuration(max_wait_),
                       " (the limit of --read_connections); retry later, or raise the limit"));
    }
    if (!idle_.empty()) {
      std::unique_ptr<Connection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    ++open_count_;  // Reserved while opening, outside the lock.
  }
  absl::StatusOr<std::unique_ptr<Connection>> conn = opener_();
  if (!conn.ok()) {
    absl::MutexLock lock(&mu_);
    --open_count_;
    return conn.status();
  }
  return Lease(this, *std::move(conn));
}

int ReaderPool::open_connections() const {
  absl::MutexLock lock(&mu_);
  return open_count_;
}

void ReaderPool::Release(std::unique_ptr<Connection> conn) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

}  // namespace actiscope::server
