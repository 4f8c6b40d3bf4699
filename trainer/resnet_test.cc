#include "trainer/resnet.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "trainer/small_cnn.h"

namespace actiscope::trainer {
namespace {

using ::testing::ElementsAre;

TEST(ResNet18Test, MapsImagesToTenLogitsAndReportsStagesInOrder) {
  torch::manual_seed(1);
  ResNet18 model(8);
  std::vector<std::string> seen;
  std::vector<torch::IntArrayRef::value_type> channels;
  torch::Tensor logits = model.Forward(torch::randn({2, 1, 28, 28}),
                                       [&](const std::string& name, const torch::Tensor& out) {
                                         seen.push_back(name);
                                         channels.push_back(out.size(1));
                                       });
  EXPECT_EQ(logits.sizes(), torch::IntArrayRef({2, 10}));
  EXPECT_EQ(seen, model.ModuleNames());
  EXPECT_THAT(model.StageNames(),
              ElementsAre("conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"));
  EXPECT_THAT(model.ModuleNames(),
              ElementsAre("conv1", "conv2_x.0", "conv2_x.1", "conv2_x", "conv3_x.0", "conv3_x.1",
                          "conv3_x", "conv4_x.0", "conv4_x.1", "conv4_x", "conv5_x.0", "conv5_x.1",
                          "conv5_x", "head"));
  EXPECT_THAT(channels, ElementsAre(8, 8, 8, 8, 16, 16, 16, 32, 32, 32, 64, 64, 64, 10));
}

TEST(ResNet18Test, StageParametersPartitionTheModel) {
  ResNet18 model(4);
  size_t total = 0;
  for (const std::string& stage : model.StageNames()) {
    EXPECT_FALSE(model.StageParameters(stage).empty()) << stage;
    total += model.StageParameters(stage).size();
  }
  EXPECT_EQ(total, model.parameters().size());
  EXPECT_TRUE(model.StageParameters("conv9_x").empty());
}

TEST(SmallCnnTest, MapsImagesToTenLogits) {
  SmallCnn model(4);
  std::vector<std::string> seen;
  torch::Tensor logits =
      model.Forward(torch::randn({3, 1, 28, 28}),
                    [&](const std::string& name, const torch::Tensor&) { seen.push_back(name); });
  EXPECT_EQ(logits.sizes(), torch::IntArrayRef({3, 10}));
  EXPECT_EQ(seen, model.StageNames());
}

}  // namespace
}  // namespace actiscope::trainer
