// actiscope._core: the pybind11 bindings of the client library for the Python package
// (python/actiscope/). The only file that includes torch/extension.h (slow to compile): tensors
// cross from Python as at::Tensor without a copy.
//
//   Reporter(server=..., run_id=..., ...)  Reporter::Start; raises on invalid options
//   Reporter.record_scalar / finish        RecordScalar / Finish (the GIL released while waiting)
//   Probe(reporter, kind, layer, layout)   one series; Probe.record(step, tensor) is the hot path
//   BinLayout(scale, bins, lo, hi)         validated on construction (ValueError)
//   sync(spool_dir, server, ...)           SyncSpoolWithReport
//
// Nothing here raises out of Probe.record or Reporter.record_scalar but pybind11's own argument
// conversion (a non-tensor argument: TypeError), which the Python hooks catch and count.
#include <torch/extension.h>

#include <map>
#include <memory>
#include <string>
#include <utility>

#include "actiscope/client/reporter.h"
#include "python/probe.h"
#include "python/python_status.h"

namespace py = pybind11;

namespace actiscope::python {
namespace {

using client::FinishReport;
using client::Kind;
using client::Reporter;
using client::ReporterOptions;
using client::SyncReport;

// Deletes a Reporter (which finishes it when Finish was not called, and joins its thread)
// without holding the GIL, so that its background thread is never waited on under the GIL.
struct DeleteWithoutGil {
  void operator()(Reporter* reporter) const {
    if (PyGILState_Check()) {
      py::gil_scoped_release release;
      delete reporter;
    } else {
      delete reporter;
    }
  }
};

std::shared_ptr<Reporter> StartReporter(const std::string& server, const std::string& run_id,
                                        const std::string& name,
                                        const std::map<std::string, std::string>& config,
                                        const std::string& device, uint32_t world_size,
                                        uint32_t rank, const std::string& spool_dir, bool offline,
                                        const std::string& token, const std::string& tls_ca,
                                        double flush_interval_s) {
  ReporterOptions options;
  options.server_address = server;
  options.token = token;
  options.tls_ca_file = tls_ca;
  options.run.run_id = run_id;
  options.run.name = name;
  options.run.config = config;
  options.run.device = device;
  options.run.world_size = world_size;
  options.run.rank = rank;
  options.spool_dir = spool_dir;
  options.offline = offline;
  options.flush_interval = absl::Seconds(flush_interval_s);
  absl::StatusOr<std::unique_ptr<Reporter>> reporter = [&] {
    py::gil_scoped_release release;
    return Reporter::Start(std::move(options));
  }();
  RaiseIfError(reporter.status(), "actiscope.init");
  return std::shared_ptr<Reporter>((*reporter).release(), DeleteWithoutGil());
}

BinLayout MakeLayout(const std::string& scale, uint32_t bins, double lo, double hi) {
  BinLayout layout;
  if (scale == "linear") {
    layout.scale = BinScale::kLinear;
  } else if (scale == "log_magnitude") {
    layout.scale = BinScale::kLogMagnitude;
  } else {
    RaiseIfError(absl::InvalidArgumentError("scale \"" + scale +
                                            "\" is neither \"linear\" nor \"log_magnitude\""),
                 "BinLayout");
  }
  layout.bins = bins;
  layout.lo = lo;
  layout.hi = hi;
  RaiseIfError(ValidateLayout(layout), "BinLayout");
  return layout;
}

SyncReport Sync(const std::string& spool_dir, const std::string& server, const std::string& token,
                const std::string& tls_ca, double timeout_s) {
  ReporterOptions options;
  options.server_address = server;
  options.spool_dir = spool_dir;
  options.token = token;
  options.tls_ca_file = tls_ca;
  absl::StatusOr<SyncReport> report = [&] {
    py::gil_scoped_release release;
    return client::SyncSpoolWithReport(options, absl::Seconds(timeout_s));
  }();
  RaiseIfError(report.status(), "actiscope.sync " + spool_dir);
  return *report;
}

}  // namespace
}  // namespace actiscope::python

PYBIND11_MODULE(_core, m) {
  using actiscope::BinLayout;
  using actiscope::BinScale;
  using actiscope::client::AlertNotice;
  using actiscope::client::FinishReport;
  using actiscope::client::Kind;
  using actiscope::client::Reporter;
  using actiscope::client::SyncReport;
  using actiscope::python::Probe;

  m.doc() = "actiscope's client library (C++): histogram kernel, Reporter, spool and wire";

  py::enum_<Kind>(m, "Kind")
      .value("activation", Kind::kActivation)
      .value("gradient", Kind::kGradient)
      .value("weight", Kind::kWeight);

  py::class_<BinLayout>(m, "BinLayout")
      .def(py::init(&actiscope::python::MakeLayout), py::arg("scale"), py::arg("bins"),
           py::arg("lo"), py::arg("hi"))
      .def_property_readonly("scale",
                             [](const BinLayout& l) {
                               return l.scale == BinScale::kLinear ? "linear" : "log_magnitude";
                             })
      .def_readonly("bins", &BinLayout::bins)
      .def_readonly("lo", &BinLayout::lo)
      .def_readonly("hi", &BinLayout::hi);

  py::class_<AlertNotice>(m, "AlertNotice")
      .def_readonly("rank", &AlertNotice::rank)
      .def_readonly("kind", &AlertNotice::kind)
      .def_readonly("layer", &AlertNotice::layer)
      .def_readonly("type", &AlertNotice::type)
      .def_readonly("severity", &AlertNotice::severity)
      .def_readonly("first_step", &AlertNotice::first_step)
      .def_readonly("step", &AlertNotice::step)
      .def_readonly("value", &AlertNotice::value)
      .def_readonly("threshold", &AlertNotice::threshold)
      .def_readonly("message", &AlertNotice::message);

  py::class_<FinishReport>(m, "FinishReport")
      .def_readonly("acked", &FinishReport::frames_acked)
      .def_readonly("in_spool", &FinishReport::frames_in_spool)
      .def_readonly("dropped", &FinishReport::frames_dropped)
      .def_readonly("rejected", &FinishReport::frames_rejected)
      .def_readonly("all_delivered", &FinishReport::all_delivered)
      .def_readonly("wire_bytes", &FinishReport::wire_bytes);

  py::class_<SyncReport>(m, "SyncReport")
      .def_readonly("acked", &SyncReport::frames_acked)
      .def_readonly("rejected", &SyncReport::frames_rejected)
      .def_readonly("dropped", &SyncReport::frames_dropped)
      .def_readonly("in_spool", &SyncReport::frames_in_spool)
      .def_readonly("of_live_writers", &SyncReport::frames_of_live_writers);

  py::class_<Reporter, std::shared_ptr<Reporter>>(m, "Reporter")
      .def(py::init(&actiscope::python::StartReporter), py::kw_only(), py::arg("server"),
           py::arg("run_id"), py::arg("name"), py::arg("config"), py::arg("device"),
           py::arg("world_size"), py::arg("rank"), py::arg("spool_dir"), py::arg("offline"),
           py::arg("token"), py::arg("tls_ca"), py::arg("flush_interval_s") = 1.0)
      .def_property_readonly("run_id", &Reporter::run_id)
      .def(
          "record_scalar",
          [](Reporter& r, int64_t step, const std::string& name, double value) {
            r.RecordScalar(step, name, value);
          },
          py::arg("step"), py::arg("name"), py::arg("value"))
      .def("take_alerts", &Reporter::TakeAlerts)
      .def(
          "finish",
          [](Reporter& r, bool succeeded, double timeout_s) {
            return r.Finish(succeeded, absl::Seconds(timeout_s));
          },
          py::arg("succeeded"), py::arg("timeout_s"), py::call_guard<py::gil_scoped_release>());

  py::class_<Probe>(m, "Probe")
      .def(py::init<std::shared_ptr<Reporter>, Kind, std::string, BinLayout>(), py::arg("reporter"),
           py::arg("kind"), py::arg("layer"), py::arg("layout"))
      // No autograd graph for the histogram's own ops on a tensor that requires grad.
      .def(
          "record",
          [](const Probe& probe, int64_t step, const at::Tensor& values) {
            at::NoGradGuard no_grad;
            probe.Record(step, values);
          },
          py::arg("step"), py::arg("values"), py::call_guard<py::gil_scoped_release>())
      .def_property_readonly("kind", &Probe::kind)
      .def_property_readonly("layer", &Probe::layer)
      .def_property_readonly("layout", &Probe::layout);

  m.def("sync", &actiscope::python::Sync, py::arg("spool_dir"), py::arg("server"),
        py::arg("token") = "", py::arg("tls_ca") = "", py::arg("timeout_s") = 60.0);
}
