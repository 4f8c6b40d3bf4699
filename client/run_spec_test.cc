#include "client/run_spec.h"

#include "gtest/gtest.h"

namespace actiscope::client {
namespace {

TEST(RunSpecTest, AResumeGetsAFreshValidResumeIdAndThisRanksScope) {
  RunOptions options;
  options.run_id = "r";
  options.world_size = 4;
  options.rank = 2;
  options.resume_from_step = 100;
  absl::StatusOr<v1::RunSpec> a = MakeRunSpec(options, absl::Now());
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE(a->resumed());
  EXPECT_EQ(a->resume_from_step(), 100);
  EXPECT_EQ(a->resume_rank(), 2u);
  EXPECT_FALSE(a->resume_whole_run());
  EXPECT_EQ(a->resume_id().size(), 32u);
  EXPECT_TRUE(ValidateRunId(a->resume_id()).ok()) << a->resume_id();
  options.resume_whole_run = true;
  absl::StatusOr<v1::RunSpec> b = MakeRunSpec(options, absl::Now());
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->resume_whole_run());
  EXPECT_NE(a->resume_id(), b->resume_id());
}

TEST(RunSpecTest, AFreshStartHasNoResume) {
  RunOptions options;
  options.run_id = "r";
  absl::StatusOr<v1::RunSpec> spec = MakeRunSpec(options, absl::Now());
  ASSERT_TRUE(spec.ok());
  EXPECT_FALSE(spec->resumed());
  EXPECT_TRUE(spec->resume_id().empty());
  v1::RunSpec upgraded = *spec;
  UpgradeLegacyResume(&upgraded);
  EXPECT_TRUE(upgraded.resume_id().empty());
}

TEST(RunSpecTest, ALegacyResumeGetsAStableIdPerProcess) {
  v1::RunSpec legacy;
  legacy.set_run_id("r");
  legacy.set_resumed(true);
  legacy.set_resume_from_step(7);
  legacy.mutable_start_time()->set_seconds(1700000000);
  v1::RunSpec a = legacy, b = legacy;
  UpgradeLegacyResume(&a);
  UpgradeLegacyResume(&b);
  EXPECT_EQ(a.resume_id(), b.resume_id());
  EXPECT_TRUE(ValidateRunId(a.resume_id()).ok()) << a.resume_id();
  EXPECT_TRUE(a.resume_whole_run());
  legacy.mutable_start_time()->set_seconds(1700000001);  // Another process's resume.
  UpgradeLegacyResume(&legacy);
  EXPECT_NE(legacy.resume_id(), a.resume_id());
  const std::string kept = a.resume_id();
  UpgradeLegacyResume(&a);
  EXPECT_EQ(a.resume_id(), kept);
}

}  // namespace
}  // namespace actiscope::client
