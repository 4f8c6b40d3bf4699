#include "server/grpc/stream_admission.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace actiscope::server {

StreamAdmission::Ticket::Ticket(StreamAdmission* owner, std::string peer,
                                grpc::ServerContext* context)
    : owner_(owner), peer_(std::move(peer)), context_(context) {}

StreamAdmission::Ticket::~Ticket() { owner_->Release(this); }

void StreamAdmission::Ticket::Touch() { owner_->Touch(this); }

StreamAdmission::StreamAdmission(StreamLimits limits) : limits_(std::move(limits)) {
  if (limits_.idle_timeout > absl::ZeroDuration()) watchdog_ = std::thread([this] { Watch(); });
}

StreamAdmission::~StreamAdmission() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (watchdog_.joinable()) watchdog_.join();
}

absl::StatusOr<std::unique_ptr<StreamAdmission::Ticket>> StreamAdmission::Admit(
    const std::string& peer, grpc::ServerContext* context) {
  absl::MutexLock lock(&mu_);
  if (open_ >= limits_.max_streams) {
    return absl::ResourceExhaustedError(absl::StrCat(
        limits_.what, ": the server holds ", open_, " ", limits_.what, " streams, its limit (",
        limits_.max_streams_flag, "=", limits_.max_streams, "); retry later"));
  }
  int& from_peer = by_peer_[peer];
  if (from_peer >= limits_.max_streams_per_peer) {
    return absl::ResourceExhaustedError(
        absl::StrCat(limits_.what, ": ", peer, " holds ", from_peer, " ", limits_.what,
                     " streams, the limit per peer (", limits_.max_streams_per_peer_flag, "=",
                     limits_.max_streams_per_peer, "); close one or use fewer streams"));
  }
  ++from_peer;
  ++open_;
  std::unique_ptr<Ticket> ticket(new Ticket(this, peer, context));
  last_activity_[ticket.get()] = absl::Now();
  return ticket;
}

void StreamAdmission::Release(Ticket* ticket) {
  absl::MutexLock lock(&mu_);
  --open_;
  if (auto it = by_peer_.find(ticket->peer_); it != by_peer_.end() && --it->second <= 0) {
    by_peer_.erase(it);
  }
  last_activity_.erase(ticket);
}

void StreamAdmission::Touch(Ticket* ticket) {
  absl::MutexLock lock(&mu_);
  last_activity_[ticket] = absl::Now();
}

int StreamAdmission::open() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

int StreamAdmission::open_from(const std::string& peer) const {
  absl::MutexLock lock(&mu_);
  auto it = by_peer_.find(peer);
  return it == by_peer_.end() ? 0 : it->second;
}

void StreamAdmission::Watch() {
  const absl::Duration period =
      std::clamp(limits_.idle_timeout / 4, absl::Milliseconds(10), absl::Seconds(1));
  absl::MutexLock lock(&mu_);
  auto stopping = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_; };
  while (!mu_.AwaitWithTimeout(absl::Condition(&stopping), period)) {
    const absl::Time now = absl::Now();
    for (auto& [ticket, last] : last_activity_) {
      if (now - last < limits_.idle_timeout || ticket->context_ == nullptr) continue;
      // Cancelling under the lock keeps the ticket (and so its context) alive meanwhile.
      ticket->context_->TryCancel();
      last = absl::InfiniteFuture();  // Once.
    }
  }
}

}  // namespace actiscope::server
