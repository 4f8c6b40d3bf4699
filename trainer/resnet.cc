#include "trainer/resnet.h"

#include "absl/strings/str_cat.h"

namespace actiscope::trainer {
namespace {

namespace nn = torch::nn;

nn::Conv2d Conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return nn::Conv2d(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2).bias(false));
}

}  // namespace

class BasicBlock : public nn::Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride)
      : conv_a_(register_module("conv_a", Conv(in, out, 3, stride))),
        bn_a_(register_module("bn_a", nn::BatchNorm2d(out))),
        conv_b_(register_module("conv_b", Conv(out, out, 3, 1))),
        bn_b_(register_module("bn_b", nn::BatchNorm2d(out))) {
    if (stride != 1 || in != out) {
      shortcut_ = register_module("shortcut",
                                  nn::Sequential(Conv(in, out, 1, stride), nn::BatchNorm2d(out)));
    }
  }

  torch::Tensor Forward(const torch::Tensor& x) {
    torch::Tensor y = torch::relu(bn_a_(conv_a_(x)));
    y = bn_b_(conv_b_(y));
    return torch::relu(y + (shortcut_.is_empty() ? x : shortcut_->forward(x)));
  }

 private:
  nn::Conv2d conv_a_;
  nn::BatchNorm2d bn_a_;
  nn::Conv2d conv_b_;
  nn::BatchNorm2d bn_b_;
  nn::Sequential shortcut_{nullptr};
};

class ResNetStage : public nn::Module {
 public:
  ResNetStage(std::string name, int64_t in, int64_t out, int64_t stride, bool max_pool)
      : name_(std::move(name)), max_pool_(max_pool) {
    for (int i = 0; i < 2; ++i) {
      blocks_.push_back(register_module(
          absl::StrCat(i),
          std::make_shared<BasicBlock>(i == 0 ? in : out, out, i == 0 ? stride : 1)));
    }
  }

  torch::Tensor Forward(torch::Tensor x, const OutputObserver& observe) {
    if (max_pool_) x = torch::max_pool2d(x, 3, 2, 1);
    for (size_t i = 0; i < blocks_.size(); ++i) {
      x = blocks_[i]->Forward(x);
      if (observe) observe(BlockName(i), x);
    }
    return x;
  }

  const std::string& name() const { return name_; }
  std::string BlockName(size_t i) const { return absl::StrCat(name_, ".", i); }
  size_t size() const { return blocks_.size(); }

 private:
  std::string name_;
  bool max_pool_;
  std::vector<std::shared_ptr<BasicBlock>> blocks_;
};

ResNet18::ResNet18(int64_t width)
    : conv1_(register_module(
          "conv1", nn::Sequential(Conv(1, width, 7, 2), nn::BatchNorm2d(width), nn::ReLU()))),
      head_(nullptr) {
  const int64_t channels[] = {width, width, 2 * width, 4 * width, 8 * width};
  for (int i = 0; i < 4; ++i) {
    const std::string name = absl::StrCat("conv", i + 2, "_x");
    stages_.push_back(register_module(
        name, std::make_shared<ResNetStage>(name, channels[i], channels[i + 1], i == 0 ? 1 : 2,
                                            /*max_pool=*/i == 0)));
  }
  head_ = register_module("head", nn::Linear(8 * width, 10));
  // As torchvision's ResNet: Kaiming-normal convolutions (fan out, ReLU gain).
  for (auto& param : named_parameters()) {
    if (param.value().dim() == 4) {
      nn::init::kaiming_normal_(param.value(), 0, torch::kFanOut, torch::kReLU);
    }
  }
}

torch::Tensor ResNet18::Forward(const torch::Tensor& images, const OutputObserver& observe) {
  torch::Tensor x = conv1_->forward(images);
  if (observe) observe("conv1", x);
  for (const auto& stage : stages_) {
    x = stage->Forward(x, observe);
    if (observe) observe(stage->name(), x);
  }
  torch::Tensor logits = head_(x.mean({2, 3}));
  if (observe) observe("head", logits);
  return logits;
}

std::vector<std::string> ResNet18::StageNames() const {
  std::vector<std::string> names = {"conv1"};
  for (const auto& stage : stages_) names.push_back(stage->name());
  names.push_back("head");
  return names;
}

std::vector<std::string> ResNet18::ModuleNames() const {
  std::vector<std::string> names = {"conv1"};
  for (const auto& stage : stages_) {
    for (size_t i = 0; i < stage->size(); ++i) names.push_back(stage->BlockName(i));
    names.push_back(stage->name());
  }
  names.push_back("head");
  return names;
}

}  // namespace actiscope::trainer
