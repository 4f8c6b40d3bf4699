// Which module outputs, gradients and weights a training run histograms, and the glue that hands
// them to the client library's Reporter.
//
// Activations: each probed module's output is held as the forward pass produces it and all are
// recorded together once Forward returns (Reporter::RecordHeld: one parallel pass, and a tensor
// that an in-place op changed in between is dropped and counted); the held outputs live until
// then, most of them kept for backward anyway. Gradients of those outputs
// are recorded through a tensor hook when backward reaches them; weights (tensors of two or more
// dimensions under each probed module) after the optimizer step. All on steps where
// step % every == 0. Histograms are computed by the client library on the tensor's device.
//
// Flow: trainer.cc makes one Probes per run, passes ObserverFor(step) to the model's Forward,
// calls RecordActivations() when Forward returns and RecordWeights(step) after each optimizer
// step.
// Thread-safety: not thread-safe; gradient hooks run on autograd's thread for the calling step,
// which LibTorch's CPU engine runs synchronously inside backward().
#ifndef ACTISCOPE_TRAINER_PROBES_H_
#define ACTISCOPE_TRAINER_PROBES_H_

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "actiscope/client/held_record.h"
#include "actiscope/client/reporter.h"
#include "trainer/staged_model.h"
#include "trainer/train_options.h"

namespace actiscope::trainer {

class Probes {
 public:
  // INVALID_ARGUMENT when a probed name is not one of model.ModuleNames() (the message lists
  // them), when every < 1, or when a bin layout is invalid. `model` and `reporter` are not owned
  // and must outlive this object; `reporter` may be null when options.enabled is false.
  static absl::StatusOr<Probes> Create(const ProbeOptions& options, StagedModel* model,
                                       client::Reporter* reporter);

  // Records what is still held (the trainer records after every Forward: only a Forward that
  // threw leaves something). `reporter` must still be alive.
  ~Probes();
  Probes(Probes&&) = default;
  Probes& operator=(Probes&&) = default;

  // The observer for Forward on `step`; empty (no cost) when nothing is recorded on this step.
  // It holds the probed activations for RecordActivations; a later ObserverFor records those
  // still held first.
  OutputObserver ObserverFor(int64_t step);

  // Records the activations the last observer held, in one go; call it when Forward returns.
  void RecordActivations();

  // Records the weight histograms for `step` when weights are probed and the step is due.
  void RecordWeights(int64_t step);

  // The probed module names, in model order.
  const std::vector<std::string>& modules() const { return modules_; }

 private:
  Probes(const ProbeOptions& options, std::vector<std::string> modules,
         std::vector<std::pair<std::string, torch::Tensor>> weights, client::Reporter* reporter);
  bool Due(int64_t step) const;

  ProbeOptions options_;
  std::vector<std::string> modules_;
  std::set<std::string> module_set_;
  std::vector<std::pair<std::string, torch::Tensor>> weights_;  // Layer name, parameter.
  client::Reporter* reporter_;
  std::vector<client::HeldRecord> held_;  // Activations of the current step, in model order.
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_PROBES_H_
