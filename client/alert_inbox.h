// AlertInbox: the alerts the collector announces in Push acks (PushAck.alerts), waiting for
// Reporter::TakeAlerts. The sender thread and the spool replay Add each ack; the training
// thread Takes what arrived.
//
// Only acks of this Reporter's run count (a replayed segment of another run's process brings
// that run's alerts). Each alert is let through once, known by (rank, kind, layer, type,
// first_step): a batch re-sent after a reconnect or replayed from the spool cannot show one
// twice. Bounds: at most `max_queued` alerts wait for Take (beyond, they are dropped and
// counted, as are the collector's PushAck.alerts_omitted); the last `max_remembered` keys are
// remembered for the duplicate check (an episode older than that is forgotten).
//
// Thread-safety: thread-safe (one mutex, held for a copy or a move of the queue).
#ifndef ACTISCOPE_CLIENT_ALERT_INBOX_H_
#define ACTISCOPE_CLIENT_ALERT_INBOX_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "actiscope/client/reporter.h"
#include "actiscope/v1/collector.pb.h"

namespace actiscope::client {

class AlertInbox {
 public:
  static constexpr size_t kMaxQueued = 256;
  static constexpr size_t kMaxRemembered = 4096;

  explicit AlertInbox(std::string run_id, size_t max_queued = kMaxQueued,
                      size_t max_remembered = kMaxRemembered);

  // Queues the alerts of `ack`, the collector's answer to a request of run `run_id`, not seen
  // before. Alerts of an unknown kind are skipped.
  void Add(const std::string& run_id, const v1::PushAck& ack);
  // The alerts queued since the previous call, oldest first.
  std::vector<AlertNotice> Take();
  // Alerts announced that Take never returned (queue full, or omitted by the collector).
  uint64_t dropped() const;

 private:
  using Key = std::tuple<uint32_t, int, std::string, std::string, int64_t>;

  const std::string run_id_;
  const size_t max_queued_;
  const size_t max_remembered_;
  mutable absl::Mutex mu_;
  std::vector<AlertNotice> queue_ ABSL_GUARDED_BY(mu_);
  std::set<Key> seen_ ABSL_GUARDED_BY(mu_);
  std::deque<Key> seen_order_ ABSL_GUARDED_BY(mu_);  // Oldest first, to forget beyond the bound.
  uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace actiscope::client

#endif  // ACTISCOPE_CLIENT_ALERT_INBOX_H_
