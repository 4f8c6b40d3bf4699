#include "trainer/probes.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "actiscope/client/reporter.h"
#include "common/testing/temp_dir.h"
#include "gtest/gtest.h"
#include "trainer/resnet.h"
#include "trainer/small_cnn.h"

namespace actiscope::trainer {
namespace {

std::unique_ptr<client::Reporter> OfflineReporter(const std::string& spool_dir) {
  client::ReporterOptions options;
  options.run.name = "probes_test";
  options.spool_dir = spool_dir;
  options.offline = true;
  auto reporter = client::Reporter::Start(std::move(options));
  EXPECT_TRUE(reporter.ok()) << reporter.status();
  return reporter.ok() ? *std::move(reporter) : nullptr;
}

// Two steps of forward, RecordActivations and backward, as trainer.cc runs them.
void TrainTwoSteps(StagedModel* model, Probes* probes) {
  const torch::Tensor images = torch::randn({2, 1, 28, 28});
  for (int64_t step = 0; step < 2; ++step) {
    const torch::Tensor logits = model->Forward(images, probes->ObserverFor(step));
    probes->RecordActivations();
    logits.square().sum().backward();
  }
}

TEST(ProbesTest, EveryModuleOfBothModelsIsRecordedOncePerStepAndNoneIsDropped) {
  // The activations are held until Forward returns: a model that modified a reported output in
  // place would lose its frame (see the next test). Neither model does.
  torch::manual_seed(1);
  std::vector<std::unique_ptr<StagedModel>> models;
  models.push_back(std::make_unique<ResNet18>(4));
  models.push_back(std::make_unique<SmallCnn>(4));
  for (const auto& model : models) {
    const actiscope::testing::TempDir spool("probes_test");
    const std::unique_ptr<client::Reporter> reporter = OfflineReporter(spool.path());
    ASSERT_NE(reporter, nullptr);
    ProbeOptions options;
    options.all = true;
    options.gradients = true;
    auto probes = Probes::Create(options, model.get(), reporter.get());
    ASSERT_TRUE(probes.ok()) << probes.status();
    TrainTwoSteps(model.get(), &*probes);
    const client::FinishReport report = reporter->Finish(true, absl::Seconds(10));
    EXPECT_EQ(report.frames_dropped, 0u);
    EXPECT_EQ(report.frames_in_spool, 2 * 2 * model->ModuleNames().size());  // Steps x kinds.
  }
}

// Reports "changed", then modifies it in place, then reports "after".
class InPlaceModel : public StagedModel {
 public:
  torch::Tensor Forward(const torch::Tensor& images, const OutputObserver& observe) override {
    torch::Tensor x = images * 2;
    if (observe) observe("changed", x);
    x.relu_();
    if (observe) observe("after", x);
    return x.flatten(1).narrow(1, 0, 10);
  }
  std::vector<std::string> StageNames() const override { return {"changed", "after"}; }
  std::vector<std::string> ModuleNames() const override { return {"changed", "after"}; }
};

TEST(ProbesTest, AnOutputModifiedInPlaceBeforeForwardReturnsIsDroppedAndCounted) {
  const actiscope::testing::TempDir spool("probes_test");
  const std::unique_ptr<client::Reporter> reporter = OfflineReporter(spool.path());
  ASSERT_NE(reporter, nullptr);
  InPlaceModel model;
  ProbeOptions options;
  options.all = true;
  auto probes = Probes::Create(options, &model, reporter.get());
  ASSERT_TRUE(probes.ok()) << probes.status();
  const torch::Tensor images = torch::randn({2, 1, 28, 28});
  for (int64_t step = 0; step < 2; ++step) {
    model.Forward(images, probes->ObserverFor(step));
    probes->RecordActivations();
  }
  const client::FinishReport report = reporter->Finish(true, absl::Seconds(10));
  EXPECT_EQ(report.frames_dropped, 2u);   // "changed", each step.
  EXPECT_EQ(report.frames_in_spool, 2u);  // "after", each step.
}

TEST(ProbesTest, ActivationsNobodyRecordedAreRecordedByTheNextObserverFor) {
  const actiscope::testing::TempDir spool("probes_test");
  const std::unique_ptr<client::Reporter> reporter = OfflineReporter(spool.path());
  ASSERT_NE(reporter, nullptr);
  torch::manual_seed(2);
  SmallCnn model(4);
  auto probes = Probes::Create(ProbeOptions{}, &model, reporter.get());
  ASSERT_TRUE(probes.ok()) << probes.status();
  const torch::Tensor images = torch::randn({2, 1, 28, 28});
  model.Forward(images, probes->ObserverFor(0));  // No RecordActivations.
  model.Forward(images, probes->ObserverFor(1));
  probes->RecordActivations();
  const client::FinishReport report = reporter->Finish(true, absl::Seconds(10));
  EXPECT_EQ(report.frames_dropped, 0u);
  EXPECT_EQ(report.frames_in_spool, 2 * probes->modules().size());
}

TEST(ProbesTest, ActivationsStillHeldAreRecordedWhenTheProbesGo) {
  const actiscope::testing::TempDir spool("probes_test");
  const std::unique_ptr<client::Reporter> reporter = OfflineReporter(spool.path());
  ASSERT_NE(reporter, nullptr);
  SmallCnn model(4);
  size_t probed = 0;
  {
    auto probes = Probes::Create(ProbeOptions{}, &model, reporter.get());
    ASSERT_TRUE(probes.ok()) << probes.status();
    probed = probes->modules().size();
    model.Forward(torch::randn({2, 1, 28, 28}), probes->ObserverFor(0));  // Then nothing.
  }
  const client::FinishReport report = reporter->Finish(true, absl::Seconds(10));
  EXPECT_EQ(report.frames_dropped, 0u);
  EXPECT_EQ(report.frames_in_spool, probed);
}

}  // namespace
}  // namespace actiscope::trainer
