// SyncSpool: delivers the spool segments that ended processes left (`actiscope sync DIR`).
#include <sys/stat.h>

#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "actiscope/client/reporter.h"
#include "client/collector_session.h"
#include "client/rate_limited_log.h"
#include "client/sender.h"
#include "client/spool.h"

namespace actiscope::client {

absl::StatusOr<SyncReport> SyncSpoolWithReport(const ReporterOptions& options,
                                               absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  const std::string& spool_dir = options.spool_dir;
  struct stat st;
  if (::stat(spool_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::NotFoundError(absl::StrCat("spool directory not found: ", spool_dir));
  }
  absl::StatusOr<std::unique_ptr<CollectorSession>> session = OpenCollectorSession(options);
  if (!session.ok()) return session.status();
  absl::StatusOr<std::unique_ptr<Spool>> spool =
      Spool::Open(spool_dir, std::numeric_limits<size_t>::max(), options.spool_fsync);
  if (!spool.ok()) return spool.status();
  std::shared_ptr<Spool> shared = *std::move(spool);
  SyncReport report;
  report.frames_of_live_writers = shared->frames() - shared->held_frames();
  RateLimitedLog log;
  SenderOptions sender_options;
  sender_options.replay_only = true;
  Sender sender(std::move(sender_options), *std::move(session), shared, &log);
  const bool delivered = sender.Drain(deadline);
  sender.Stop();
  const SenderCounts counts = sender.counts();
  report.frames_acked = counts.frames_acked;
  report.frames_rejected = counts.frames_rejected;
  report.frames_dropped = counts.frames_dropped;
  report.frames_in_spool = shared->held_frames();
  if (!delivered) {
    const absl::Status failure = sender.last_failure();
    const bool refused = absl::IsUnauthenticated(failure) || absl::IsPermissionDenied(failure);
    return absl::Status(
        refused ? failure.code() : absl::StatusCode::kDeadlineExceeded,
        absl::StrCat("sync ", spool_dir, " to ", options.server_address, ": ", counts.frames_acked,
                     " frames delivered, ", report.frames_in_spool, " still in the spool",
                     failure.ok() ? "" : absl::StrCat("; last error: ", failure.ToString())));
  }
  return report;
}

absl::StatusOr<uint64_t> SyncSpool(const ReporterOptions& options, absl::Duration timeout) {
  absl::StatusOr<SyncReport> report = SyncSpoolWithReport(options, timeout);
  if (!report.ok()) return report.status();
  return report->frames_acked;
}

}  // namespace actiscope::client
