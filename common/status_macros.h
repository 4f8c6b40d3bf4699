// Small macros for propagating absl::Status, which Abseil 20220623 lacks. Every stage uses them.
//
// Example:
//   absl::StatusOr<Frame> ParseFrame(absl::string_view data) {
//     ACTISCOPE_RETURN_IF_ERROR(CheckHeader(data));
//     ACTISCOPE_ASSIGN_OR_RETURN(Frame frame, DecodeBody(data));
//     return frame;
//   }
#ifndef ACTISCOPE_COMMON_STATUS_MACROS_H_
#define ACTISCOPE_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing function if not OK.
#define ACTISCOPE_RETURN_IF_ERROR(expr)                    \
  do {                                                     \
    ::absl::Status actiscope_status_ = (expr);             \
    if (!actiscope_status_.ok()) return actiscope_status_; \
  } while (0)

#define ACTISCOPE_STATUS_CONCAT_INNER_(a, b) a##b
#define ACTISCOPE_STATUS_CONCAT_(a, b) ACTISCOPE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status, otherwise moves the
// value into `lhs` (a declaration such as `auto x` or an existing variable).
#define ACTISCOPE_ASSIGN_OR_RETURN(lhs, rexpr)                                                   \
  ACTISCOPE_ASSIGN_OR_RETURN_IMPL_(ACTISCOPE_STATUS_CONCAT_(actiscope_statusor_, __LINE__), lhs, \
                                   rexpr)

#define ACTISCOPE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                     \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = *std::move(statusor)

#endif  // ACTISCOPE_COMMON_STATUS_MACROS_H_
