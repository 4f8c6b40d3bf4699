// SyncSpool: delivers a spool left by earlier reporters (`actiscope sync DIR`).
#include <sys/stat.h>

#include <limits>

#include "absl/strings/str_cat.h"
#include "actiscope/client/reporter.h"
#include "client/rate_limited_log.h"
#include "client/sender.h"
#include "client/spool.h"

namespace actiscope::client {

absl::StatusOr<uint64_t> SyncSpool(const std::string& spool_dir, const std::string& server_address,
                                   absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  struct stat st;
  if (::stat(spool_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat("spool directory not found: ", spool_dir));
  }
  absl::StatusOr<std::unique_ptr<Spool>> spool =
      Spool::Open(spool_dir, std::numeric_limits<size_t>::max());
  if (!spool.ok()) return spool.status();
  std::shared_ptr<Spool> shared = *std::move(spool);
  RateLimitedLog log;
  SenderOptions options;
  options.server_address = server_address;
  options.replay_only = true;
  Sender sender(std::move(options), shared, &log);
  const bool delivered = sender.Drain(deadline);
  sender.Stop();
  const SenderCounts counts = sender.counts();
  if (!delivered) {
    return absl::DeadlineExceededError(
        absl::StrCat("sync ", spool_dir, " to ", server_address, ": ", counts.frames_acked,
                     " frames delivered, ", shared->frames(), " still in the spool"));
  }
  return counts.frames_acked;
}

}  // namespace actiscope::client
