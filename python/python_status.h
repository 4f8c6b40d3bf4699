// Converts the client library's absl::Status into the Python exception a caller of the
// actiscope package expects, for the calls whose Python API raises (actiscope.init,
// actiscope.sync, an invalid bin layout). The hooks that run inside training never use it: they
// go through Reporter::Record, which logs and counts instead.
//
// Mapping: INVALID_ARGUMENT and OUT_OF_RANGE -> ValueError; NOT_FOUND -> FileNotFoundError;
// DEADLINE_EXCEEDED -> TimeoutError; UNAUTHENTICATED and PERMISSION_DENIED -> PermissionError;
// UNAVAILABLE -> ConnectionError; anything else -> RuntimeError. The message is the status's
// message, prefixed with `what` ("what: message").
//
// Thread-safety: call with the GIL held (it sets the Python error indicator).
#ifndef ACTISCOPE_PYTHON_PYTHON_STATUS_H_
#define ACTISCOPE_PYTHON_PYTHON_STATUS_H_

#include <string_view>

#include "absl/status/status.h"

namespace actiscope::python {

// Does nothing for an OK status; otherwise raises the mapped Python exception by throwing
// pybind11::error_already_set, which pybind11 hands to the Python caller.
void RaiseIfError(const absl::Status& status, std::string_view what);

}  // namespace actiscope::python

#endif  // ACTISCOPE_PYTHON_PYTHON_STATUS_H_
