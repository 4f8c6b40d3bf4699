// A Probe is one histogram series of a watched PyTorch model, (layer, kind, bin layout), bound
// to the Reporter of its run: the object a Python hook holds, so that the hot path is a single
// call, probe.record(step, tensor), with nothing to convert but the step and the tensor.
//
// Record forwards to Reporter::Record, which never throws and never blocks on I/O: a CPU tensor
// is histogrammed on the calling thread (the binding releases the GIL around it), a CUDA tensor
// only enqueues device work and an asynchronous copy of the result. Bad input (an integer
// tensor, a negative step) is logged and counted as dropped by the Reporter.
//
// Thread-safety: Record may be called from any thread (autograd runs gradient hooks on its own).
#ifndef ACTISCOPE_PYTHON_PROBE_H_
#define ACTISCOPE_PYTHON_PROBE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "actiscope/client/reporter.h"

namespace actiscope::python {

class Probe {
 public:
  // Keeps `reporter` alive as long as the probe lives.
  Probe(std::shared_ptr<client::Reporter> reporter, client::Kind kind, std::string layer,
        BinLayout layout)
      : reporter_(std::move(reporter)), kind_(kind), layer_(std::move(layer)), layout_(layout) {}

  void Record(int64_t step, const at::Tensor& values) const {
    reporter_->Record(step, kind_, layer_, values, layout_);
  }

  client::Kind kind() const { return kind_; }
  const std::string& layer() const { return layer_; }
  const BinLayout& layout() const { return layout_; }

 private:
  std::shared_ptr<client::Reporter> reporter_;
  client::Kind kind_;
  std::string layer_;
  BinLayout layout_;
};

}  // namespace actiscope::python

#endif  // ACTISCOPE_PYTHON_PROBE_H_
