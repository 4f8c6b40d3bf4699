// A small CNN for 1-channel 28x28 images, for quick runs: stages conv1 (3x3 conv, BatchNorm, ReLU,
// 2x2 max-pool), conv2 (same, twice the channels), conv3 (same without pooling, four times the
// channels) and head (global average pool, linear to 10 classes).
//
// Flow: built by the trainer with --model=small_cnn, probed through StagedModel's observer.
// Thread-safety: as torch::nn::Module.
#ifndef ACTISCOPE_TRAINER_SMALL_CNN_H_
#define ACTISCOPE_TRAINER_SMALL_CNN_H_

#include <string>
#include <vector>

#include "trainer/staged_model.h"

namespace actiscope::trainer {

class SmallCnn : public StagedModel {
 public:
  // width >= 1: conv1's channel count.
  explicit SmallCnn(int64_t width);

  torch::Tensor Forward(const torch::Tensor& images, const OutputObserver& observe) override;
  std::vector<std::string> StageNames() const override;
  std::vector<std::string> ModuleNames() const override { return StageNames(); }

 private:
  std::vector<torch::nn::Sequential> convs_;
  torch::nn::Linear head_{nullptr};
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_SMALL_CNN_H_
