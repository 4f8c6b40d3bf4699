#include "server/grpc/ingest_budget.h"

#include "absl/strings/str_cat.h"
#include "server/grpc/memory_release.h"

namespace actiscope::server {

IngestBudget::Reservation::~Reservation() {
  if (bytes_ > 0) budget_->Give(bytes_);
}

absl::Status IngestBudget::Reservation::Grow(uint64_t bytes, absl::string_view what) {
  absl::Status taken = budget_->Take(bytes, bytes_, what);
  if (taken.ok()) bytes_ += bytes;
  return taken;
}

absl::Status IngestBudget::Take(uint64_t bytes, uint64_t already_held, absl::string_view what) {
  if (bytes > limit_ || already_held > limit_ - bytes) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, " would take ", already_held + bytes,
                     " bytes of memory to ingest, more than the server's whole ingest budget of ",
                     limit_, " bytes (--ingest_memory_bytes); send smaller batches"));
  }
  absl::MutexLock lock(&mu_);
  auto fits = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return in_use_ <= limit_ - bytes; };
  if (!mu_.AwaitWithTimeout(absl::Condition(&fits), max_wait_)) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": the server's ingest memory (--ingest_memory_bytes=", limit_,
                     ") stayed in use by other requests for ", absl::FormatDuration(max_wait_),
                     "; retry later"));
  }
  in_use_ += bytes;
  return absl::OkStatus();
}

void IngestBudget::Give(uint64_t bytes) {
  {
    absl::MutexLock lock(&mu_);
    in_use_ -= bytes;
    given_back_ += bytes;
    if (in_use_ > 0 || given_back_ < release_after_) return;
    given_back_ = 0;
    ++releases_;
  }
  ReleaseFreeMemory();
}

int IngestBudget::releases() const {
  absl::MutexLock lock(&mu_);
  return releases_;
}

uint64_t IngestBudget::in_use() const {
  absl::MutexLock lock(&mu_);
  return in_use_;
}

}  // namespace actiscope::server
