// The model interface the trainer and the probes share: a LibTorch module whose forward pass
// names its module outputs as it goes, so probes can histogram them without forward hooks
// (which LibTorch's C++ API lacks).
//
// A model registers each stage as a child module under the stage's name, so StageParameters
// finds a stage's parameters for discriminative learning rates. Blocks inside a stage are named
// "<stage>.<index>" (ModuleNames lists them too).
//
// Thread-safety: as torch::nn::Module; one training thread.
#ifndef ACTISCOPE_TRAINER_STAGED_MODEL_H_
#define ACTISCOPE_TRAINER_STAGED_MODEL_H_

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace actiscope::trainer {

// Called with each named module output in forward order. The tensor is the live output (part of
// the autograd graph); an observer may hold it and register a gradient hook on it but must not
// modify it. A model must not modify a reported output in place before Forward returns: the
// probes record the held outputs then, and drop (and count) one that an in-place op changed.
using OutputObserver = std::function<void(const std::string& name, const torch::Tensor& output)>;

class StagedModel : public torch::nn::Module {
 public:
  // Logits [N, 10] for images [N, 1, 28, 28]. `observe` may be empty.
  virtual torch::Tensor Forward(const torch::Tensor& images, const OutputObserver& observe) = 0;

  // Stage names in forward order; the last one is the classifier head.
  virtual std::vector<std::string> StageNames() const = 0;

  // Every name Forward reports, in forward order: stages and the blocks inside them.
  virtual std::vector<std::string> ModuleNames() const = 0;

  // The parameters of stage `name`; empty when there is no such stage.
  std::vector<torch::Tensor> StageParameters(const std::string& name) const {
    for (const auto& child : named_children()) {
      if (child.key() == name) return child.value()->parameters();
    }
    return {};
  }
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_STAGED_MODEL_H_
