#include "server/ingest_counters.h"

namespace actiscope::server {

void IngestCounters::CountRefusal(absl::StatusCode code, uint64_t frames) {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kCodes) index = static_cast<int>(absl::StatusCode::kUnknown);
  refused_[index].fetch_add(1, std::memory_order_relaxed);
  frames_refused_[index].fetch_add(frames, std::memory_order_relaxed);
}

IngestCounters::Snapshot IngestCounters::Read() const {
  Snapshot s;
  for (int i = 0; i < kCodes; ++i) {
    s.refused[i] = refused_[i].load(std::memory_order_relaxed);
    s.frames_refused[i] = frames_refused_[i].load(std::memory_order_relaxed);
  }
  s.open_push_streams = open_push_streams_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace actiscope::server
