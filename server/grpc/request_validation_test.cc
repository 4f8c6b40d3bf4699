#include "server/grpc/request_validation.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace actiscope::server {
namespace {

using ::testing::HasSubstr;

constexpr QueryLimits kLimits;  // The defaults.

TEST(RequestValidationTest, RunIdAcceptsTheAllowedAlphabet) {
  EXPECT_TRUE(ValidateRunId("a").ok());
  EXPECT_TRUE(ValidateRunId("Run_2026-11.28").ok());
  EXPECT_TRUE(ValidateRunId(std::string(64, 'x')).ok());
}

TEST(RequestValidationTest, RunIdRejectsEmptyLongAndOddCharacters) {
  for (const std::string& bad : {std::string(), std::string(65, 'x'), std::string("a b"),
                                 std::string("a/b"), std::string("r\xc3\xa9")}) {
    absl::Status s = ValidateRunId(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), HasSubstr("[A-Za-z0-9._-]"));
  }
}

TEST(RequestValidationTest, RunSpecRejectsNegativeResumeStep) {
  v1::RunSpec spec;
  spec.set_run_id("r");
  spec.set_resume_from_step(-3);
  absl::Status s = ValidateRunSpec(spec);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("resume_from_step must be in [0, 9007199254740991], got -3"));
}

TEST(RequestValidationTest, FinishRunNeedsFinishedOrFailed) {
  v1::FinishRunRequest request;
  request.set_run_id("r");
  request.set_status(v1::RUN_STATUS_LIVE);
  absl::Status s = ValidateFinishRun(request);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("got RUN_STATUS_LIVE"));
  request.set_status(v1::RUN_STATUS_FAILED);
  EXPECT_TRUE(ValidateFinishRun(request).ok());
}

v1::Frame GoodFrame() {
  v1::Frame frame;
  frame.set_layer("conv1");
  frame.set_kind(v1::KIND_ACTIVATION);
  frame.set_step(12);
  return frame;
}

TEST(RequestValidationTest, FrameErrorsNameTheFrameAndValue) {
  EXPECT_TRUE(ValidateFrame(0, GoodFrame()).ok());

  v1::Frame frame = GoodFrame();
  frame.set_step(-1);
  EXPECT_THAT(
      ValidateFrame(3, frame).message(),
      HasSubstr(
          "frame 3 (layer \"conv1\", step -1): step must be in [0, 9007199254740991], got -1"));

  frame = GoodFrame();
  frame.set_kind(v1::KIND_UNSPECIFIED);
  EXPECT_THAT(ValidateFrame(0, frame).message(), HasSubstr("kind must be KIND_ACTIVATION"));

  frame = GoodFrame();
  frame.set_layer("");
  EXPECT_THAT(ValidateFrame(0, frame).message(),
              HasSubstr("layer name must be 1-256 bytes, got 0 bytes"));
}

TEST(RequestValidationTest, LongLayerNameIsReportedByLengthNotEchoed) {
  v1::Frame frame = GoodFrame();
  frame.set_layer(std::string(10240, 'x'));
  absl::Status s = ValidateFrame(0, frame);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("layer name must be 1-256 bytes, got 10240 bytes"));
  EXPECT_LT(s.message().size(), 300u);
}

TEST(RequestValidationTest, ScalarAllowsNanButNotNegativeStep) {
  v1::Scalar scalar;
  scalar.set_name("loss");
  scalar.set_value(std::nan(""));
  EXPECT_TRUE(ValidateScalar(0, scalar).ok());
  scalar.set_step(-2);
  EXPECT_THAT(ValidateScalar(1, scalar).message(),
              HasSubstr("scalar 1 (\"loss\"): step must be in [0, 9007199254740991], got -2"));
}

TEST(RequestValidationTest, HeatmapRequestDefaultsAndBounds) {
  v1::GetHeatmapRequest request;
  request.set_run_id("r");
  request.set_layer("fc");
  absl::StatusOr<HeatmapQuery> query = ParseHeatmapRequest(request, kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->kind, Kind::kActivation);
  EXPECT_EQ(query->max_columns, HeatmapQuery::kDefaultColumns);
  EXPECT_EQ(query->to_step, -1);
  EXPECT_FALSE(query->rank.has_value());

  request.set_kind(v1::KIND_WEIGHT);
  request.set_from_step(5);
  request.set_to_step(9);
  request.set_max_columns(kLimits.max_heatmap_columns);
  request.set_has_rank(true);
  request.set_rank(0);
  query = ParseHeatmapRequest(request, kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->kind, Kind::kWeight);
  EXPECT_EQ(query->from_step, 5);
  EXPECT_EQ(query->to_step, 9);
  EXPECT_EQ(query->max_columns, kLimits.max_heatmap_columns);
  EXPECT_EQ(query->rank, 0u);

  request.set_max_columns(kLimits.max_heatmap_columns + 1);
  EXPECT_THAT(ParseHeatmapRequest(request, kLimits).status().message(),
              HasSubstr(absl::StrCat("heatmap: columns must be in [1, --max_heatmap_columns=",
                                     kLimits.max_heatmap_columns, "], got ",
                                     kLimits.max_heatmap_columns + 1)));
  request.set_max_columns(0);
  request.set_kind(static_cast<v1::Kind>(7));
  EXPECT_THAT(ParseHeatmapRequest(request, kLimits).status().message(),
              HasSubstr("kind: unknown value 7"));
  request.set_kind(v1::KIND_ACTIVATION);
  request.set_layer("");
  EXPECT_EQ(ParseHeatmapRequest(request, kLimits).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_layer("fc");
  request.set_run_id("no spaces");
  EXPECT_EQ(ParseHeatmapRequest(request, kLimits).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidationTest, ToStepZeroIsStepZeroAbsentOrNegativeIsTheLastStep) {
  v1::GetHeatmapRequest heatmap;
  heatmap.set_run_id("r");
  heatmap.set_layer("fc");
  EXPECT_EQ(ParseHeatmapRequest(heatmap, kLimits)->to_step, -1);
  heatmap.set_to_step(0);
  EXPECT_EQ(ParseHeatmapRequest(heatmap, kLimits)->to_step, 0);
  heatmap.set_to_step(-3);  // As a client built before to_step was optional may send.
  EXPECT_EQ(ParseHeatmapRequest(heatmap, kLimits)->to_step, -1);

  v1::GetScalarsRequest scalars;
  scalars.set_run_id("r");
  scalars.set_from_step(10);
  EXPECT_EQ(ParseScalarsRequest(scalars, kLimits)->to_step, -1);
  scalars.set_to_step(0);  // Step 0, which is before from_step.
  EXPECT_THAT(ParseScalarsRequest(scalars, kLimits).status().message(),
              HasSubstr("scalars: the from step 10 is after the to step 0"));
  scalars.clear_to_step();
  scalars.set_from_step(-1);
  EXPECT_THAT(ParseScalarsRequest(scalars, kLimits).status().message(),
              HasSubstr("from step must be >= 0, got -1"));
}

TEST(RequestValidationTest, ScalarsRequestDefaultsAndBounds) {
  v1::GetScalarsRequest request;
  request.set_run_id("r");
  request.add_names("loss");
  absl::StatusOr<ScalarQuery> query = ParseScalarsRequest(request, kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->names, std::vector<std::string>{"loss"});
  EXPECT_EQ(query->max_points, ScalarQuery::kDefaultPoints);
  request.set_max_points(kLimits.max_scalar_points + 1);
  EXPECT_EQ(ParseScalarsRequest(request, kLimits).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.set_max_points(kLimits.max_scalar_points);
  for (size_t i = 0; i < ScalarQuery::kMaxNames; ++i) request.add_names("lr");
  EXPECT_THAT(ParseScalarsRequest(request, kLimits).status().message(),
              HasSubstr(absl::StrCat("at most ", ScalarQuery::kMaxNames, " names")));
}

TEST(RequestValidationTest, ListRunsLimitDefaultsAndIsCapped) {
  v1::ListRunsRequest request;
  request.set_name_contains("load");
  absl::StatusOr<RunListQuery> query = ParseListRunsRequest(request, kLimits);
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->name_contains, "load");
  EXPECT_EQ(query->limit, RunListQuery::kDefaultLimit);
  request.set_limit(kLimits.max_runs_listed);
  EXPECT_EQ(ParseListRunsRequest(request, kLimits)->limit, kLimits.max_runs_listed);
  request.set_limit(kLimits.max_runs_listed + 1);
  EXPECT_EQ(ParseListRunsRequest(request, kLimits).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(RequestValidationTest, ConfiguredLimitsBoundAndClampTheDefaultsOfEveryQuery) {
  QueryLimits small;
  small.max_runs_listed = 5;
  small.max_heatmap_columns = 100;
  small.max_scalar_points = 50;

  v1::ListRunsRequest runs;
  EXPECT_EQ(ParseListRunsRequest(runs, small)->limit, 5u);  // The default, clamped.
  runs.set_limit(6);
  EXPECT_THAT(ParseListRunsRequest(runs, small).status().message(),
              HasSubstr("runs: limit must be in [1, --max_runs_listed=5], got 6"));

  v1::GetHeatmapRequest heatmap;
  heatmap.set_run_id("r");
  heatmap.set_layer("fc");
  EXPECT_EQ(ParseHeatmapRequest(heatmap, small)->max_columns, 100u);
  heatmap.set_max_columns(101);
  EXPECT_THAT(ParseHeatmapRequest(heatmap, small).status().message(),
              HasSubstr("heatmap: columns must be in [1, --max_heatmap_columns=100], got 101"));

  v1::GetScalarsRequest scalars;
  scalars.set_run_id("r");
  EXPECT_EQ(ParseScalarsRequest(scalars, small)->max_points, 50u);
  scalars.set_max_points(51);
  EXPECT_THAT(ParseScalarsRequest(scalars, small).status().message(),
              HasSubstr("scalars: points must be in [1, --max_scalar_points=50], got 51"));
}

}  // namespace
}  // namespace actiscope::server
