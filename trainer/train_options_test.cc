#include "trainer/train_options.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::trainer {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

TEST(ParseLrGroupsTest, ParsesNamedRates) {
  auto groups = ParseLrGroups("conv1=1e-6, conv2_x=1e-6,head=1e-2");
  ASSERT_TRUE(groups.ok()) << groups.status();
  EXPECT_THAT(*groups, ElementsAre(Pair("conv1", 1e-6), Pair("conv2_x", 1e-6), Pair("head", 1e-2)));
}

TEST(ParseLrGroupsTest, EmptyTextMeansNoGroups) {
  auto groups = ParseLrGroups("");
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE(groups->empty());
}

TEST(ParseLrGroupsTest, RejectsMalformedEntriesNamingThem) {
  EXPECT_THAT(ParseLrGroups("conv1").status().message(), HasSubstr("\"conv1\""));
  EXPECT_THAT(ParseLrGroups("conv1=abc").status().message(), HasSubstr("\"abc\""));
  EXPECT_THAT(ParseLrGroups("conv1=-1").status().message(), HasSubstr("\"-1\""));
  EXPECT_THAT(ParseLrGroups("conv1=1,conv1=2").status().message(), HasSubstr("twice"));
}

TEST(GeometricLrGroupsTest, SpreadsFromMinToMax) {
  auto groups = GeometricLrGroups({"a", "b", "c"}, 1e-6, 1e-2);
  ASSERT_TRUE(groups.ok());
  EXPECT_DOUBLE_EQ(groups->at("a"), 1e-6);
  EXPECT_NEAR(groups->at("b"), 1e-4, 1e-12);
  EXPECT_DOUBLE_EQ(groups->at("c"), 1e-2);
  EXPECT_FALSE(GeometricLrGroups({"a"}, 1e-2, 1e-6).ok());
  EXPECT_FALSE(GeometricLrGroups({}, 1e-6, 1e-2).ok());
}

TEST(ParseRangeTest, AcceptsOrderedPairOnly) {
  auto range = ParseRange("-1e-3,1e-3");
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->first, -1e-3);
  EXPECT_EQ(range->second, 1e-3);
  EXPECT_FALSE(ParseRange("1,1").ok());
  EXPECT_FALSE(ParseRange("1").ok());
  EXPECT_FALSE(ParseRange("0,inf").ok());
}

TEST(ParseProbeListTest, NoneDisablesAndEmptyMeansDefaultStages) {
  ProbeOptions opts;
  ParseProbeList("none", &opts);
  EXPECT_FALSE(opts.enabled);
  ParseProbeList("", &opts);
  EXPECT_TRUE(opts.enabled);
  EXPECT_TRUE(opts.modules.empty());
  ParseProbeList("conv1,conv5_x", &opts);
  EXPECT_THAT(opts.modules, ElementsAre("conv1", "conv5_x"));
}

TEST(ParseKindsTest, SetsExactlyTheNamedKinds) {
  ProbeOptions opts;
  ASSERT_TRUE(ParseKinds("gradient,weight", &opts).ok());
  EXPECT_FALSE(opts.activations);
  EXPECT_TRUE(opts.gradients);
  EXPECT_TRUE(opts.weights);
  EXPECT_FALSE(ParseKinds("bias", &opts).ok());
  EXPECT_FALSE(ParseKinds("", &opts).ok());
}

TEST(ConfigMapTest, CarriesHyperparameters) {
  TrainOptions options;
  options.lr = 1;
  options.lr_groups = {{"conv1", 1e-6}, {"head", 1e-2}};
  auto config = ConfigMap(options);
  EXPECT_EQ(config["lr"], "1");
  EXPECT_EQ(config["lr_groups"], "conv1=1e-06,head=0.01");
  EXPECT_EQ(config["model"], "resnet18");
  EXPECT_EQ(config["activation_bins"], "linear:40:[0,10)");
  EXPECT_EQ(config["batch_size"], "64");
  EXPECT_EQ(config.count("inject_nan_at"), 0u);
  options.inject_nan_at = 7;
  EXPECT_EQ(ConfigMap(options)["inject_nan_at"], "7");
}

TEST(CheckResumableConfigTest, AcceptsChangedTelemetryAndThreads) {
  TrainOptions saved;
  TrainOptions resumed = saved;
  resumed.probes.every = 10;
  resumed.scalar_every = 0;
  resumed.test_limit = 100;
  resumed.threads = 1;
  EXPECT_TRUE(CheckResumableConfig(ConfigMap(saved), ConfigMap(resumed)).ok());
}

TEST(CheckResumableConfigTest, RefusesAChangedTrajectoryNamingTheEntry) {
  TrainOptions saved;
  TrainOptions resumed = saved;
  resumed.lr = 0.1;
  const absl::Status s = CheckResumableConfig(ConfigMap(saved), ConfigMap(resumed));
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("written with lr=0.01, these flags give lr=0.1"));
  resumed = saved;
  resumed.max_steps = 7;
  EXPECT_THAT(CheckResumableConfig(ConfigMap(saved), ConfigMap(resumed)).message(),
              HasSubstr("max_steps=0, these flags give max_steps=7"));
}

TEST(CheckResumableConfigTest, AnEntryOnlyOneSideHasDiffers) {
  TrainOptions saved;
  TrainOptions resumed = saved;
  resumed.optimizer = OptimizerKind::kSgd;
  auto config = ConfigMap(resumed);
  config["optimizer"] = "adam_one_cycle";  // Only "momentum" differs now.
  EXPECT_THAT(CheckResumableConfig(ConfigMap(saved), config).message(),
              HasSubstr("momentum=(unset), these flags give momentum=0.9"));
}

TEST(IntraOpThreadsTest, UsesEveryCpuUnlessToldOrSharedWithLocalRanks) {
  DistributedOptions single;
  EXPECT_EQ(IntraOpThreads(3, 8, single), 3);
  EXPECT_EQ(IntraOpThreads(0, 8, single), 8);
  DistributedOptions local;
  local.world_size = 4;
  EXPECT_EQ(IntraOpThreads(0, 8, local), 2);
  EXPECT_EQ(IntraOpThreads(0, 2, local), 1);
  DistributedOptions remote = local;
  remote.master_addr = "10.0.0.5";
  EXPECT_EQ(IntraOpThreads(0, 8, remote), 8);
}

}  // namespace
}  // namespace actiscope::trainer
