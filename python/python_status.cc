// absl::Status -> Python exception (python_status.h).
#include "python/python_status.h"

#include <Python.h>
#include <pybind11/pybind11.h>

#include <string>

namespace actiscope::python {
namespace {

PyObject* ExceptionType(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return PyExc_ValueError;
    case absl::StatusCode::kNotFound:
      return PyExc_FileNotFoundError;
    case absl::StatusCode::kDeadlineExceeded:
      return PyExc_TimeoutError;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return PyExc_PermissionError;
    case absl::StatusCode::kUnavailable:
      return PyExc_ConnectionError;
    default:
      return PyExc_RuntimeError;
  }
}

}  // namespace

void RaiseIfError(const absl::Status& status, std::string_view what) {
  if (status.ok()) return;
  const std::string message =
      std::string(what) + ": " + std::string(status.message().data(), status.message().size());
  PyErr_SetString(ExceptionType(status.code()), message.c_str());
  throw pybind11::error_already_set();
}

}  // namespace actiscope::python
