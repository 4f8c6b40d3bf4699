#include "trainer/small_cnn.h"

#include "absl/strings/str_cat.h"

namespace actiscope::trainer {

namespace nn = torch::nn;

SmallCnn::SmallCnn(int64_t width) {
  const int64_t channels[] = {1, width, 2 * width, 4 * width};
  for (int i = 0; i < 3; ++i) {
    nn::Sequential stage(
        nn::Conv2d(nn::Conv2dOptions(channels[i], channels[i + 1], 3).padding(1).bias(false)),
        nn::BatchNorm2d(channels[i + 1]), nn::ReLU());
    if (i < 2) stage->push_back(nn::MaxPool2d(2));
    convs_.push_back(register_module(absl::StrCat("conv", i + 1), stage));
  }
  head_ = register_module("head", nn::Linear(4 * width, 10));
}

torch::Tensor SmallCnn::Forward(const torch::Tensor& images, const OutputObserver& observe) {
  torch::Tensor x = images;
  for (size_t i = 0; i < convs_.size(); ++i) {
    x = convs_[i]->forward(x);
    if (observe) observe(absl::StrCat("conv", i + 1), x);
  }
  torch::Tensor logits = head_(x.mean({2, 3}));
  if (observe) observe("head", logits);
  return logits;
}

std::vector<std::string> SmallCnn::StageNames() const {
  return {"conv1", "conv2", "conv3", "head"};
}

}  // namespace actiscope::trainer
