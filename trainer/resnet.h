// ResNet-18 for 1-channel 28x28 images (MNIST, Fashion-MNIST), with the stage names of the seed
// post: conv1 (7x7/2 conv, BatchNorm, ReLU), conv2_x (3x3/2 max-pool, 2 basic blocks), conv3_x,
// conv4_x, conv5_x (2 basic blocks each, the first with stride 2) and head (global average pool,
// linear to 10 classes). Every stage ends in ReLU, so activations are >= 0.
// `width` is the base channel count (64 in the paper); stages use width, 2, 4 and 8 x width.
//
// Flow: built by the trainer, probed through StagedModel's observer.
// Thread-safety: as torch::nn::Module.
#ifndef ACTISCOPE_TRAINER_RESNET_H_
#define ACTISCOPE_TRAINER_RESNET_H_

#include <memory>
#include <string>
#include <vector>

#include "trainer/staged_model.h"

namespace actiscope::trainer {

class BasicBlock;
class ResNetStage;

class ResNet18 : public StagedModel {
 public:
  // width >= 1.
  explicit ResNet18(int64_t width);

  torch::Tensor Forward(const torch::Tensor& images, const OutputObserver& observe) override;
  std::vector<std::string> StageNames() const override;
  std::vector<std::string> ModuleNames() const override;

 private:
  torch::nn::Sequential conv1_;
  std::vector<std::shared_ptr<ResNetStage>> stages_;  // conv2_x .. conv5_x
  torch::nn::Linear head_;
};

}  // namespace actiscope::trainer

#endif  // ACTISCOPE_TRAINER_RESNET_H_
