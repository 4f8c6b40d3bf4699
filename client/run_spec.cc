#include "client/run_spec.h"

#include <unistd.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace actiscope::client {

absl::Status ValidateRunId(const std::string& run_id) {
  bool ok = !run_id.empty() && run_id.size() <= 64;
  for (char c : run_id) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-');
  }
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("run_id must be 1-64 chars of [A-Za-z0-9._-]: \"", run_id, "\""));
}

std::string GenerateRunId(absl::Time now) {
  std::random_device device;
  const uint64_t random = (uint64_t{device()} << 32) ^ device();
  return absl::StrCat(absl::FormatTime("%Y%m%d-%H%M%S", now, absl::UTCTimeZone()), "-",
                      absl::StrFormat("%012x", random & 0xffffffffffffULL));
}

std::string GenerateResumeId() {
  std::random_device device;
  std::string id;
  for (int i = 0; i < 4; ++i) id += absl::StrFormat("%08x", device());
  return id;
}

absl::StatusOr<v1::RunSpec> MakeRunSpec(const RunOptions& run, absl::Time now) {
  v1::RunSpec spec;
  spec.set_run_id(run.run_id.empty() ? GenerateRunId(now) : run.run_id);
  if (absl::Status s = ValidateRunId(spec.run_id()); !s.ok()) return s;
  if (run.world_size == 0 || run.rank >= run.world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("rank ", run.rank, " must be below world_size ", run.world_size));
  }
  spec.set_name(run.name);
  for (const auto& [key, value] : run.config) (*spec.mutable_config())[key] = value;
  std::string host = run.host;
  if (host.empty()) {
    char name[256] = {};
    if (::gethostname(name, sizeof(name) - 1) == 0) host = name;
  }
  spec.set_host(host);
  spec.set_device(run.device);
  spec.set_world_size(run.world_size);
  const int64_t nanos = absl::ToUnixNanos(now);
  spec.mutable_start_time()->set_seconds(nanos / 1000000000);
  spec.mutable_start_time()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (run.resume_from_step.has_value()) {
    spec.set_resumed(true);
    spec.set_resume_from_step(*run.resume_from_step);
    spec.set_resume_id(GenerateResumeId());
    spec.set_resume_rank(run.rank);
    spec.set_resume_whole_run(run.resume_whole_run);
  }
  return spec;
}

void UpgradeLegacyResume(v1::RunSpec* spec) {
  if (!spec->resumed() || !spec->resume_id().empty()) return;
  // FNV-1a, 64 bits: stable across versions and machines, unlike std::hash.
  uint64_t hash = 14695981039346656037ULL;
  for (char c : absl::StrCat(spec->run_id(), "|", spec->host(), "|", spec->start_time().seconds(),
                             ".", spec->start_time().nanos(), "|", spec->resume_from_step())) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  }
  spec->set_resume_id(absl::StrFormat("legacy-%016x", hash));
  spec->set_resume_whole_run(true);
}

}  // namespace actiscope::client
