#include "server/grpc/request_validation.h"

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/grpc/proto_convert.h"
#include "server/store/query_validation.h"

namespace actiscope::server {
namespace {

// A user-supplied string quoted for an error message, cut to its first 64 bytes.
std::string Quote(absl::string_view s) {
  constexpr size_t kShown = 64;
  if (s.size() <= kShown) return absl::StrCat("\"", absl::CHexEscape(s), "\"");
  return absl::StrCat("\"", absl::CHexEscape(s.substr(0, kShown)), "...\" (", s.size(), " bytes)");
}

absl::Status CheckName(absl::string_view what, absl::string_view value, bool may_be_empty) {
  if ((value.empty() && !may_be_empty) || value.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " must be ", may_be_empty ? 0 : 1, "-", kMaxNameBytes, " bytes, got ", value.size(),
        " bytes", value.empty() ? "" : ": ", value.empty() ? "" : Quote(value)));
  }
  return absl::OkStatus();
}

bool IsRunIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

std::string FramePrefix(int index, const v1::Frame& frame) {
  if (frame.layer().empty() || frame.layer().size() > kMaxNameBytes) {
    return absl::StrCat("frame ", index, " (step ", frame.step(), "): ");
  }
  return absl::StrCat("frame ", index, " (layer ", Quote(frame.layer()), ", step ", frame.step(),
                      "): ");
}

// to_step as the store's queries hold it: absent or negative is the last stored step (-1).
int64_t ToStep(bool has_to_step, int64_t to_step) {
  return has_to_step && to_step >= 0 ? to_step : -1;
}

}  // namespace

absl::Status ValidateRunId(absl::string_view run_id) {
  bool ok = !run_id.empty() && run_id.size() <= kMaxRunIdBytes;
  for (char c : run_id) ok = ok && IsRunIdChar(c);
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "run_id must be 1-", kMaxRunIdBytes, " characters of [A-Za-z0-9._-], got ", Quote(run_id)));
  }
  return absl::OkStatus();
}

absl::Status ValidateRunSpec(const v1::RunSpec& spec) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunId(spec.run_id()));
  ACTISCOPE_RETURN_IF_ERROR(CheckName("run name", spec.name(), true));
  ACTISCOPE_RETURN_IF_ERROR(CheckName("host", spec.host(), true));
  ACTISCOPE_RETURN_IF_ERROR(CheckName("device", spec.device(), true));
  if (spec.config_size() > static_cast<int>(kMaxConfigEntries)) {
    return absl::InvalidArgumentError(
        absl::StrCat("config: at most ", kMaxConfigEntries, " entries, got ", spec.config_size()));
  }
  for (const auto& [key, value] : spec.config()) {
    ACTISCOPE_RETURN_IF_ERROR(CheckName("config key", key, false));
    if (value.size() > kMaxConfigValueBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("config[", Quote(key), "]: value must be at most ", kMaxConfigValueBytes,
                       " bytes, got ", value.size()));
    }
  }
  if (spec.resume_from_step() < 0 || spec.resume_from_step() > kMaxStep) {
    return absl::InvalidArgumentError(absl::StrCat("resume_from_step must be in [0, ", kMaxStep,
                                                   "], got ", spec.resume_from_step()));
  }
  if (!spec.resumed()) {
    if (spec.resume_from_step() != 0 || !spec.resume_id().empty() || spec.resume_rank() != 0 ||
        spec.resume_whole_run()) {
      return absl::InvalidArgumentError(
          "resume_from_step, resume_id, resume_rank and resume_whole_run need resumed: true");
    }
    return absl::OkStatus();
  }
  bool id_ok = !spec.resume_id().empty() && spec.resume_id().size() <= kMaxRunIdBytes;
  for (char c : spec.resume_id()) id_ok = id_ok && IsRunIdChar(c);
  if (!id_ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "resume_id must be 1-", kMaxRunIdBytes,
        " characters of [A-Za-z0-9._-], unique per resume (a resumed run needs one so that "
        "re-sent StartRuns apply it once), got ",
        Quote(spec.resume_id())));
  }
  const uint32_t world_size = spec.world_size() == 0 ? 1 : spec.world_size();
  if (spec.resume_rank() >= world_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("resume_rank ", spec.resume_rank(), " is not below world_size ", world_size));
  }
  return absl::OkStatus();
}

absl::Status ValidateFinishRun(const v1::FinishRunRequest& request) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunId(request.run_id()));
  if (request.status() != v1::RUN_STATUS_FINISHED && request.status() != v1::RUN_STATUS_FAILED) {
    return absl::InvalidArgumentError(absl::StrCat(
        "status must be RUN_STATUS_FINISHED or RUN_STATUS_FAILED, got ",
        v1::RunStatus_Name(request.status()).empty() ? std::to_string(request.status())
                                                     : v1::RunStatus_Name(request.status())));
  }
  if (request.message().size() > kMaxStatusMessageBytes) {
    return absl::InvalidArgumentError(absl::StrCat("message must be at most ",
                                                   kMaxStatusMessageBytes, " bytes, got ",
                                                   request.message().size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateFrame(int index, const v1::Frame& frame) {
  if (absl::Status s = CheckName("layer name", frame.layer(), false); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(FramePrefix(index, frame), s.message()));
  }
  if (frame.kind() != v1::KIND_ACTIVATION && frame.kind() != v1::KIND_GRADIENT &&
      frame.kind() != v1::KIND_WEIGHT) {
    return absl::InvalidArgumentError(absl::StrCat(
        FramePrefix(index, frame),
        "kind must be KIND_ACTIVATION, KIND_GRADIENT or KIND_WEIGHT, got ", frame.kind()));
  }
  if (frame.step() < 0 || frame.step() > kMaxStep) {
    return absl::InvalidArgumentError(absl::StrCat(
        FramePrefix(index, frame), "step must be in [0, ", kMaxStep, "], got ", frame.step()));
  }
  return absl::OkStatus();
}

absl::Status ValidateScalar(int index, const v1::Scalar& scalar) {
  if (absl::Status s = CheckName("name", scalar.name(), false); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("scalar ", index, " (step ", scalar.step(), "): ", s.message()));
  }
  if (scalar.step() < 0 || scalar.step() > kMaxStep) {
    return absl::InvalidArgumentError(absl::StrCat("scalar ", index, " (", Quote(scalar.name()),
                                                   "): step must be in [0, ", kMaxStep, "], got ",
                                                   scalar.step()));
  }
  return absl::OkStatus();
}

absl::StatusOr<RunListQuery> ParseListRunsRequest(const v1::ListRunsRequest& request,
                                                  const QueryLimits& limits) {
  RunListQuery query;
  query.name_contains = request.name_contains();
  query.limit = request.limit() != 0 ? request.limit() : DefaultRunLimit(limits);
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunListQuery(query, limits));
  return query;
}

absl::StatusOr<HeatmapQuery> ParseHeatmapRequest(const v1::GetHeatmapRequest& request,
                                                 const QueryLimits& limits) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunId(request.run_id()));
  if (request.kind() < v1::KIND_UNSPECIFIED || request.kind() > v1::KIND_WEIGHT) {
    return absl::InvalidArgumentError(
        absl::StrCat("heatmap: kind: unknown value ", request.kind()));
  }
  HeatmapQuery query;
  query.run_id = request.run_id();
  query.layer = request.layer();
  query.kind = FromProto(request.kind());
  query.from_step = request.from_step();
  query.to_step = ToStep(request.has_to_step(), request.to_step());
  query.max_columns =
      request.max_columns() != 0 ? request.max_columns() : DefaultHeatmapColumns(limits);
  if (request.has_rank()) query.rank = request.rank();
  ACTISCOPE_RETURN_IF_ERROR(ValidateHeatmapQuery(query, limits));
  return query;
}

absl::StatusOr<ScalarQuery> ParseScalarsRequest(const v1::GetScalarsRequest& request,
                                                const QueryLimits& limits) {
  ACTISCOPE_RETURN_IF_ERROR(ValidateRunId(request.run_id()));
  ScalarQuery query;
  query.run_id = request.run_id();
  query.names.assign(request.names().begin(), request.names().end());
  query.from_step = request.from_step();
  query.to_step = ToStep(request.has_to_step(), request.to_step());
  query.max_points = request.max_points() != 0 ? request.max_points() : DefaultScalarPoints(limits);
  ACTISCOPE_RETURN_IF_ERROR(ValidateScalarQuery(query, limits));
  return query;
}

}  // namespace actiscope::server
