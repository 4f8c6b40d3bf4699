// The acks' alerts, deduplicated and bounded, until the trainer takes them (alert_inbox.h).
#include "client/alert_inbox.h"

#include <utility>

namespace actiscope::client {

AlertInbox::AlertInbox(std::string run_id, size_t max_queued, size_t max_remembered)
    : run_id_(std::move(run_id)), max_queued_(max_queued), max_remembered_(max_remembered) {}

void AlertInbox::Add(const std::string& run_id, const v1::PushAck& ack) {
  if (run_id != run_id_ || (ack.alerts_size() == 0 && ack.alerts_omitted() == 0)) return;
  absl::MutexLock lock(&mu_);
  dropped_ += ack.alerts_omitted();
  for (const v1::AlertNotice& alert : ack.alerts()) {
    if (alert.kind() < v1::KIND_ACTIVATION || alert.kind() > v1::KIND_WEIGHT) continue;
    Key key(alert.rank(), alert.kind(), alert.layer(), alert.type(), alert.first_step());
    if (!seen_.insert(key).second) continue;
    seen_order_.push_back(std::move(key));
    if (seen_order_.size() > max_remembered_) {
      seen_.erase(seen_order_.front());
      seen_order_.pop_front();
    }
    if (queue_.size() >= max_queued_) {
      ++dropped_;
      continue;
    }
    AlertNotice& notice = queue_.emplace_back();
    notice.rank = alert.rank();
    notice.kind = static_cast<Kind>(alert.kind());  // Same values (reporter.h).
    notice.layer = alert.layer();
    notice.type = alert.type();
    notice.severity = alert.severity();
    notice.first_step = alert.first_step();
    notice.step = alert.step();
    notice.value = alert.value();
    notice.threshold = alert.threshold();
    notice.message = alert.message();
  }
}

std::vector<AlertNotice> AlertInbox::Take() {
  std::vector<AlertNotice> taken;
  absl::MutexLock lock(&mu_);
  taken.swap(queue_);
  return taken;
}

uint64_t AlertInbox::dropped() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace actiscope::client
